"""`ketamine-care screen --json` against the labels and the protocols' sources, case by case:
the verdict and every reason (rule and severity) each facts file gives, at each boundary.

Each case starts from a patient no rule applies to (`clean_facts`) and changes only what the
case is about; every case names its source. Missing facts make a verdict stricter, never
more permissive: they can never give better than `requires_override`.
"""

from __future__ import annotations

import json

import pytest

from ketamine_care.screening.cli import main

from .factories import ADULT, ALL_PROTOCOLS, ED, PSYCHIATRIC, clean_facts

MISSING = "missing_information"
OVERRIDE = "requires_override"
CAUTIONS = "eligible_with_cautions"


def screen(tmp_path, capsys, protocol: str, **changes) -> dict:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(clean_facts(protocol, **changes)), encoding="utf-8")
    status = main(["--protocol", protocol, "--facts", str(path), "--json"])
    out = capsys.readouterr().out
    assert status == 0
    return json.loads(out)


def verdict_and_reasons(result: dict) -> tuple[str, list[tuple[str, str]]]:
    assert list(result) == ["protocol", "verdict", "reasons"]
    return result["verdict"], [(r["rule"], r["severity"]) for r in result["reasons"]]


def med(name: str, daily_mg: float, drug_class: str | None = None) -> dict:
    found = {"name": name, "daily_dose_mg": daily_mg}
    return found | ({"class": drug_class} if drug_class else {})


T = "iv-ketamine-trd"
E, X, R, C = "eligible", "ineligible", OVERRIDE, CAUTIONS
BP_MISSING = f"vitals.bp_above_140_90:{MISSING} vitals.bp_at_least_180_110:{MISSING}"
# Each case: protocol, the facts changed, the verdict, then every reason as rule:severity.
CASES = [
    # Measured BP at screening: 140/90 up to below 180/110 is a caution, 180/110 or more needs
    # medical clearance [@acc-aha-2017] [@spravato-uspi §2] [@ketalar-uspi §4].
    (T, {"bp_systolic": 139, "bp_diastolic": 89}, E, ""),
    (T, {"bp_systolic": 140, "bp_diastolic": 75}, C, "vitals.bp_above_140_90:caution"),
    (T, {"bp_systolic": 120, "bp_diastolic": 90}, C, "vitals.bp_above_140_90:caution"),
    (T, {"bp_systolic": 179, "bp_diastolic": 109}, C, "vitals.bp_above_140_90:caution"),
    (T, {"bp_systolic": 180, "bp_diastolic": 75}, R, f"vitals.bp_at_least_180_110:{R}"),
    (T, {"bp_systolic": 130, "bp_diastolic": 110}, R, f"vitals.bp_at_least_180_110:{R}"),
    # No BP, or half of one that cannot show the other half is below the line: unknown.
    (T, {"bp_systolic": None, "bp_diastolic": None}, R, BP_MISSING),
    (T, {"bp_systolic": 150, "bp_diastolic": None}, R, BP_MISSING),
    (T, {"bp_systolic": 185, "bp_diastolic": None}, R, f"vitals.bp_at_least_180_110:{R}"),
    (T, {"history": ["uncontrolled_hypertension"]}, R, f"cardio.uncontrolled_hypertension:{R}"),
    # Pregnancy and breastfeeding: not recommended [@spravato-uspi §8]; not asked of a man.
    (T, {"pregnant": True}, R, f"pregnancy.pregnant:{R}"),
    (T, {"breastfeeding": True}, R, f"pregnancy.breastfeeding:{R}"),
    (T, {"pregnant": None}, R, f"pregnancy.pregnant:{MISSING}"),
    (T, {"sex": "male", "pregnant": None, "breastfeeding": None}, E, ""),
    (
        T,
        {"sex": None, "pregnant": None, "breastfeeding": None},
        R,
        f"pregnancy.breastfeeding:{MISSING} pregnancy.pregnant:{MISSING}",
    ),
    # Psychosis [@lahti-1995] [@lahti-2001]; the esketamine label only asks for careful
    # assessment [@spravato-uspi §5], so there the exclusion is the clinic's stricter rule.
    (T, {"diagnoses": ["mdd", "schizophrenia"]}, X, "psychosis.psychotic_disorder:ineligible"),
    (
        "esketamine-trd-label",
        {"diagnoses": ["mdd", "schizoaffective"]},
        X,
        "psychosis.psychotic_disorder:ineligible",
    ),
    (
        T,
        {"diagnoses": ["mdd_psychotic_features"]},
        X,
        "psychosis.mdd_psychotic_features:ineligible",
    ),
    (T, {"icd10_codes": ["F31.5"]}, X, "psychosis.mdd_psychotic_features:ineligible"),
    # Mania [@diazgranados-2010]; a mood stabilizer on board in the trial model.
    (T, {"diagnoses": ["mdd", "current_mania"]}, X, "mood.current_mania:ineligible"),
    ("iv-ketamine-bipolar-depression", {"medications": []}, R, f"bipolar.no_mood_stabilizer:{R}"),
    # Substance use [@spravato-uspi §5] [@sanacora-2017]; remission codes are not active
    # disorder; the AUD protocol treats alcohol use disorder.
    (T, {"diagnoses": ["mdd", "alcohol_use_disorder"]}, R, f"substance.active_sud:{R}"),
    (T, {"icd10_codes": ["F11.20"]}, R, f"substance.active_sud:{R}"),
    (T, {"icd10_codes": ["F10.21"]}, C, "substance.use_disorder_in_remission:caution"),
    (T, {"history": ["ketamine_or_pcp_misuse"]}, R, f"substance.ketamine_or_pcp_misuse:{R}"),
    ("iv-ketamine-aud", {}, E, ""),
    (
        "iv-ketamine-aud",
        {"diagnoses": ["alcohol_use_disorder", "substance_use_disorder_active"]},
        R,
        f"substance.active_sud_other_than_alcohol:{R}",
    ),
    # Interactions: MAOIs and psychostimulants raise BP [@spravato-uspi §7]; theophylline is
    # not co-administered [@ketalar-uspi §7]; naltrexone blocked the antidepressant effect
    # [@williams-2018]; above 8 mg diazepam-equivalent a day [@andrashko-2020], lorazepam
    # 1 mg = diazepam 10 mg [@ashton-2002].
    (T, {"medications": [med("phenelzine", 45)]}, C, "interaction.maoi:caution"),
    (T, {"medications": [med("methylphenidate", 20)]}, C, "interaction.psychostimulant:caution"),
    (T, {"medications": [med("theophylline", 300)]}, R, f"interaction.theophylline:{R}"),
    (T, {"medications": [med("naltrexone", 50)]}, C, "interaction.opioid_antagonist:caution"),
    (T, {"medications": [med("lorazepam", 0.8)]}, C, "interaction.benzodiazepine_sedation:caution"),
    (
        T,
        {"medications": [med("lorazepam", 0.9)]},
        C,
        "interaction.benzodiazepine_above_8mg_dze:caution "
        "interaction.benzodiazepine_sedation:caution",
    ),
    # Ages: adults only [@spravato-uspi §1]; the EU starts esketamine at 28 mg from 65
    # [@spravato-eu-smpc §4.2]; the late-life trial enrolled 60 and over [@george-2017].
    (T, {"age_years": 17.99}, X, "age.under_18:ineligible"),
    (T, {"age_years": 18}, E, ""),
    (T, {"age_years": 64.99}, E, ""),
    (T, {"age_years": 65}, C, "age.65_and_over:caution"),
    (T, {"age_years": None}, R, f"age.65_and_over:{MISSING} age.under_18:{MISSING}"),
    ("sc-ketamine-late-life", {"age_years": 59.99}, R, f"age.under_60:{R}"),
    ("sc-ketamine-late-life", {"age_years": 60}, E, ""),
    # Adolescent research: ages 12-17 [@cullen-2018] [@dwyer-2021].
    ("iv-ketamine-adolescent-research", {"age_years": 11.99}, X, "age.under_12:ineligible"),
    ("iv-ketamine-adolescent-research", {"age_years": 12}, E, ""),
    ("iv-ketamine-adolescent-research", {"age_years": 17.99}, E, ""),
    ("iv-ketamine-adolescent-research", {"age_years": 18}, R, f"age.adult:{R}"),
    # TRD: at least 2 failed adequate antidepressant trials [@spravato-uspi §1].
    (T, {"failed_antidepressant_trials": 1}, R, f"trd.fewer_than_2_failed_trials:{R}"),
    (T, {"failed_antidepressant_trials": None}, R, f"trd.fewer_than_2_failed_trials:{MISSING}"),
    # MDSI: with an oral antidepressant [@spravato-uspi §1].
    ("esketamine-mdsi-label", {"medications": []}, R, f"mdsi.no_oral_antidepressant:{R}"),
    # Suicide risk: not in place of hospitalization [@spravato-uspi §1]; C-SSRS [@posner-2011].
    (T, {"suicide_risk": "high"}, R, f"suicide.high_risk:{R}"),
    (T, {"suicide_risk": "moderate"}, C, "suicide.ideation_safety_plan:caution"),
    (T, {"inpatient_care_needed": True}, R, f"suicide.inpatient_care_needed:{R}"),
    (
        T,
        {"suicide_risk": None},
        R,
        f"suicide.high_risk:{MISSING} suicide.ideation_safety_plan:{MISSING}",
    ),
    # Hepatic impairment [@spravato-uspi §8].
    (T, {"history": ["severe_hepatic_impairment"]}, R, f"hepatic.severe_impairment:{R}"),
    (T, {"history": ["moderate_hepatic_impairment"]}, C, "hepatic.moderate_impairment:caution"),
    # An unclassified psychiatric code is never read as absent [@ketamine-care-defaults].
    (T, {"icd10_codes": ["F31.4"]}, R, f"diagnosis.unclassified_code:{MISSING}"),
    # Emergency sedation [@green-2011]: schizophrenia and age under 3 months are absolute
    # contraindications, other psychotic illness and age under 12 months are contraindications
    # in the UK paediatric guideline [@rcem-paediatric-ketamine]; ACEP's relative ones caution.
    ("ed-procedural-sedation", {"diagnoses": ["schizophrenia"]}, X, "ed.schizophrenia:ineligible"),
    ("ed-procedural-sedation", {"diagnoses": ["schizoaffective"]}, R, f"ed.psychotic_illness:{R}"),
    ("ed-severe-agitation", {"diagnoses": ["schizophrenia"]}, C, "ed.psychotic_disorder:caution"),
    ("ed-procedural-sedation", {"history": ["asthma"]}, C, "ed.laryngospasm_risk:caution"),
    ("ed-procedural-sedation", {"history": ["glaucoma"]}, C, "ed.intraocular_pressure:caution"),
    (
        "ed-procedural-sedation",
        {"medications": [med("levothyroxine", 0.1)]},
        C,
        "ed.porphyria_or_thyroid:caution",
    ),
    (
        "pediatric-procedural-sedation",
        {"age_years": 0.24},
        X,
        f"age.under_3_months:ineligible age.under_12_months:{R}",
    ),
    ("pediatric-procedural-sedation", {"age_years": 0.25}, R, f"age.under_12_months:{R}"),
    ("pediatric-procedural-sedation", {"age_years": 0.99}, R, f"age.under_12_months:{R}"),
    ("pediatric-procedural-sedation", {"age_years": 1}, E, ""),
    ("pediatric-procedural-sedation", {"age_years": 18}, R, f"age.adult:{R}"),
]


@pytest.mark.parametrize(("protocol", "changes", "verdict", "reasons"), CASES)
def test_each_case_gives_its_verdict_and_reasons(
    tmp_path, capsys, protocol, changes, verdict, reasons
):
    result = screen(tmp_path, capsys, protocol, **changes)
    assert result["protocol"] == protocol
    expected = [tuple(reason.split(":")) for reason in reasons.split()]
    assert verdict_and_reasons(result) == (verdict, expected)


# The esketamine label's contraindications [@spravato-uspi §4], applied to every psychiatric
# protocol (ketamine is contraindicated where a BP rise is a serious hazard
# [@ketalar-uspi §4]); hypersensitivity excludes every protocol.
LABEL_VASCULAR = {
    "aneurysmal_vascular_disease": "label.aneurysmal_vascular_disease",
    "arteriovenous_malformation": "label.arteriovenous_malformation",
    "intracerebral_hemorrhage": "label.intracerebral_hemorrhage",
}
VASCULAR_SOURCE = (
    "Aneurysmal vascular disease, arteriovenous malformation, intracerebral hemorrhage history "
    "[@spravato-uspi §4]; a significant rise in BP would be a serious hazard [@ketalar-uspi §4]"
)


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
@pytest.mark.parametrize("item", sorted(LABEL_VASCULAR))
def test_the_label_contraindications_exclude_every_psychiatric_protocol(
    tmp_path, capsys, protocol, item
):
    result = screen(tmp_path, capsys, protocol, history=[item])
    assert verdict_and_reasons(result) == ("ineligible", [(LABEL_VASCULAR[item], "ineligible")])
    assert result["reasons"][0]["source"] == VASCULAR_SOURCE


@pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
def test_hypersensitivity_excludes_every_protocol(tmp_path, capsys, protocol):
    result = screen(tmp_path, capsys, protocol, history=["ketamine_hypersensitivity"])
    assert verdict_and_reasons(result) == ("ineligible", [("label.hypersensitivity", "ineligible")])
    assert result["reasons"][0]["source"] == (
        "Hypersensitivity to esketamine, ketamine or any excipient [@spravato-uspi §4]; "
        "hypersensitivity to ketamine [@ketalar-uspi §4]"
    )


@pytest.mark.parametrize("protocol", ED)
@pytest.mark.parametrize("item", sorted(LABEL_VASCULAR))
def test_emergency_protocols_ask_a_judgement_on_the_bp_hazard_citing_it(
    tmp_path, capsys, protocol, item
):
    """For emergency sedation the Ketalar contraindication is a judgement of the hazard:
    each reason cites the contraindication it rests on, not the hypersensitivity one."""
    result = screen(tmp_path, capsys, protocol, history=[item])
    assert verdict_and_reasons(result) == (OVERRIDE, [("ed.vascular_bp_hazard", OVERRIDE)])
    assert result["reasons"][0]["source"] == (
        "Contraindicated where a significant rise in blood pressure would be a serious hazard "
        "[@ketalar-uspi §4]; aneurysmal vascular disease, arteriovenous malformation and "
        "intracerebral hemorrhage history are esketamine contraindications [@spravato-uspi §4]"
    )


@pytest.mark.parametrize("protocol", ED)
def test_emergency_cns_depressant_caution_cites_the_interaction(tmp_path, capsys, protocol):
    result = screen(tmp_path, capsys, protocol, medications=[med("morphine", 10, "opioid")])
    assert verdict_and_reasons(result) == (CAUTIONS, [("interaction.cns_depressant", "caution")])
    assert result["reasons"][0]["source"] == (
        "CNS depressants (opioids, alcohol, sedative-hypnotics, barbiturates): profound "
        "sedation, respiratory depression, coma or death; opioids prolong recovery "
        "[@ketalar-uspi §7]"
    )


@pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
def test_an_unknown_history_never_passes(tmp_path, capsys, protocol):
    """Fail safe: without the history, the label contraindications are open questions, and the
    prescriber may not override them (the facts must be supplied)."""
    result = screen(tmp_path, capsys, protocol, history=None)
    verdict, reasons = verdict_and_reasons(result)
    assert verdict == OVERRIDE
    assert ("label.hypersensitivity", MISSING) in reasons
    if protocol in PSYCHIATRIC:
        assert {(rule, MISSING) for rule in LABEL_VASCULAR.values()} <= set(reasons)
    assert all(severity == MISSING for _, severity in reasons)


@pytest.mark.parametrize("protocol", ADULT)
def test_an_unknown_age_never_passes_an_adult_protocol(tmp_path, capsys, protocol):
    verdict, reasons = verdict_and_reasons(screen(tmp_path, capsys, protocol, age_years=None))
    assert verdict == OVERRIDE and ("age.under_18", MISSING) in reasons
