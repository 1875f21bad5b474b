"""The workup and the API with the safety facts: suicide risk from a recent C-SSRS, inpatient
care, unclassified diagnosis codes, benzodiazepine doses and contradictory facts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ketamine_care.core.errors import ValidationFailed
from ketamine_care.dosing.services import IneligibleForTreatment, create_plan
from ketamine_care.instruments.services import record_administration
from ketamine_care.patients import services as patients
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import (
    facts_from_record,
    merge_answers,
    overlay,
)
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import CLEAR_POSTED_FACTS, activate_trd, next_monday

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

HIGH = [1, 1, 1, 1, 1, 0, 0]  # plan with intent: C-SSRS high risk
LOW = [1, 0, 0, 0, 0, 0, 0]  # wish to be dead only: low risk
WORKUP = {
    "protocol": "iv-ketamine-trd",
    "history_reviewed": "on",
    "medications_reviewed": "on",
    "pregnant": "no",
    "breastfeeding": "no",
    "bp_systolic": "120",
    "bp_diastolic": "80",
    "heart_rate": "70",
    "failed_antidepressant_trials": "3",
    "suicide_risk": "none",
    "inpatient_care_needed": "no",
}


class SafetyTestCase(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)
        self.chart = f"/patients/{self.patient.public_id}"
        self.api = f"/api/v1/patients/{self.patient.public_id}/screenings"

    def cssrs(self, answers, days_ago=0, time_point="baseline"):
        return record_administration(
            patient=self.patient,
            instrument_code="cssrs_screener",
            answers=answers,
            time_point=time_point,
            actor=self.prescriber,
            administered_at=timezone.now() - timedelta(days=days_ago),
        )

    def workup(self, **changes):
        return self.client_for(self.prescriber).post(
            f"{self.chart}/screening/", {**WORKUP, **changes}
        )

    def api_post(self, body):
        return self.client_for(self.prescriber).post(
            self.api, {"protocol": "iv-ketamine-trd", **body}, content_type="application/json"
        )


class RecordSuicideRiskTests(SafetyTestCase):
    def test_a_recent_cssrs_gives_the_suicide_risk(self):
        self.cssrs(HIGH, days_ago=29)
        facts = facts_from_record(self.patient, timezone.localdate())
        self.assertEqual(facts["suicide_risk"], "high")

    def test_a_cssrs_older_than_30_days_is_not_used(self):
        self.cssrs(HIGH, days_ago=31)
        self.assertNotIn("suicide_risk", facts_from_record(self.patient, timezone.localdate()))

    def test_the_form_never_lowers_a_recent_cssrs(self):
        self.cssrs(HIGH)
        response = self.workup(suicide_risk="none")
        self.assertEqual(response.status_code, 302)
        verdict = ScreeningVerdict.objects.get()
        self.assertEqual(verdict.facts["suicide_risk"], "high")
        self.assertIn("suicide.high_risk", [r["rule"] for r in verdict.reasons])

    def test_the_verdict_page_shows_the_clinics_crisis_protocol(self):
        self.cssrs(HIGH)
        response = self.workup()
        page = self.client_for(self.prescriber).get(response["Location"])
        self.assertContains(page, 'id="crisis-protocol"')
        self.assertContains(page, "Requires override")

    def test_the_workup_shows_the_record_risk(self):
        self.cssrs(LOW)
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/")
        self.assertContains(page, 'id="record-suicide-risk"')
        self.assertContains(page, "low (")


class WorkupSafetyFactsTests(SafetyTestCase):
    def test_a_clear_workup_is_eligible(self):
        self.workup()
        self.assertEqual(ScreeningVerdict.objects.get().verdict, "eligible")

    def test_inpatient_care_needed_needs_an_override(self):
        self.workup(inpatient_care_needed="yes")
        verdict = ScreeningVerdict.objects.get()
        self.assertEqual(verdict.verdict, "requires_override")
        self.assertIn("suicide.inpatient_care_needed", [r["rule"] for r in verdict.reasons])

    def test_unasked_suicide_risk_is_missing_information(self):
        self.workup(suicide_risk="", inpatient_care_needed="")
        verdict = ScreeningVerdict.objects.get()
        self.assertEqual(verdict.verdict, "requires_override")
        self.assertEqual({r["severity"] for r in verdict.reasons}, {"missing_information"})

    def test_contradictory_facts_show_the_error_and_save_nothing(self):
        response = self.workup(bp_systolic="90", bp_diastolic="100")
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "bp_diastolic", status_code=422)
        self.assertContains(response, "contradictory facts", status_code=422)
        self.assertFalse(ScreeningVerdict.objects.exists())

    def test_an_unclassified_code_is_asked_and_blocks_until_classified(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F31.4", label="Bipolar"
        )
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/")
        self.assertContains(page, "Classify F31.4 (Bipolar)")
        self.workup()
        verdict = ScreeningVerdict.objects.get()
        self.assertEqual(verdict.verdict, "requires_override")
        self.assertFalse(verdict.override_allowed)
        (reason,) = verdict.reasons
        self.assertIn("F31.4", reason["message"])
        self.workup(classify_0="bipolar_i")
        latest = ScreeningVerdict.objects.first()
        self.assertIn("bipolar_i", latest.facts["diagnoses"])
        self.assertNotIn("icd10_codes", latest.facts)
        # Bipolar without lithium or valproate: the mood-stabilizer rule now applies.
        self.assertEqual(latest.verdict, "requires_override")
        self.assertTrue(latest.override_allowed)

    def test_a_resolved_schizophrenia_on_the_record_is_never_eligible(self):
        patients.add_diagnosis(
            patient=self.patient,
            actor=self.prescriber,
            icd10_code="F20.9",
            label="Schizophrenia",
            clinical_status="resolved",
        )
        self.workup()
        verdict = ScreeningVerdict.objects.get()
        self.assertIn("schizophrenia", verdict.facts["diagnoses"])
        self.assertEqual(verdict.verdict, "ineligible")
        self.assertIn("psychosis.psychotic_disorder", [r["rule"] for r in verdict.reasons])

    def test_none_applies_settles_a_code(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F17.210", label="Smoker"
        )
        self.workup(classify_0="-")
        self.assertEqual(ScreeningVerdict.objects.get().verdict, "eligible")

    def test_a_benzodiazepine_daily_dose_becomes_diazepam_equivalents(self):
        patients.add_medication(
            patient=self.patient,
            actor=self.prescriber,
            name="Alprazolam",
            drug_class="benzodiazepine",
        )
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/")
        self.assertContains(page, "Alprazolam: total daily dose")
        self.workup(dose_0="1")  # 1 mg alprazolam = 20 mg diazepam-equivalent
        verdict = ScreeningVerdict.objects.get()
        rules = {r["rule"]: r["severity"] for r in verdict.reasons}
        self.assertEqual(rules["interaction.benzodiazepine_above_8mg_dze"], "caution")

    def test_merge_keeps_unanswered_codes(self):
        record = {"diagnoses": ["mdd"], "icd10_codes": ["F31.4", "F99"]}
        merged = merge_answers(record, {"classify": {"F31.4": "bipolar_ii"}})
        self.assertEqual(merged["icd10_codes"], ["F99"])
        self.assertEqual(merged["diagnoses"], ["bipolar_ii", "mdd"])


class ApiSafetyFactsTests(SafetyTestCase):
    def test_contradictory_facts_are_422_naming_the_fields(self):
        male = make_patient(clinic=self.clinic, actor=self.prescriber, sex="male")
        response = self.client_for(self.prescriber).post(
            f"/api/v1/patients/{male.public_id}/screenings",
            {"protocol": "iv-ketamine-trd", "facts": {**CLEAR_POSTED_FACTS, "pregnant": True}},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422, response.content)
        self.assertIn("facts.pregnant", response.json()["fields"])
        self.assertIn("sex", response.json()["fields"]["facts.pregnant"])
        response = self.api_post({"facts": {**CLEAR_POSTED_FACTS, "bp_diastolic": 130.0}})
        self.assertEqual(response.status_code, 422)
        self.assertIn("facts.bp_diastolic", response.json()["fields"])
        self.assertFalse(ScreeningVerdict.objects.exists())

    def test_the_record_unclassified_code_stays_until_classified(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F11.90", label="Opioid use"
        )
        silenced = self.api_post({"facts": {**CLEAR_POSTED_FACTS, "icd10_codes": []}}).json()
        self.assertEqual(silenced["verdict"], "requires_override")
        self.assertFalse(silenced["override_allowed"])
        classified = self.api_post(
            {"facts": CLEAR_POSTED_FACTS, "classify": {"f11.90": "substance_use_disorder_active"}}
        ).json()
        rules = [r["rule"] for r in classified["reasons"]]
        self.assertEqual(rules, ["substance.active_sud"])

    def test_an_unknown_classification_word_is_422(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F31.4", label="Bipolar"
        )
        response = self.api_post({"facts": CLEAR_POSTED_FACTS, "classify": {"F31.4": "bipolar"}})
        self.assertEqual(response.status_code, 422)
        self.assertTrue(any(k.startswith("facts.diagnoses") for k in response.json()["fields"]))

    def test_the_api_never_lowers_a_recent_cssrs(self):
        self.cssrs(HIGH)
        verdict = self.api_post({"facts": CLEAR_POSTED_FACTS}).json()
        self.assertEqual(verdict["facts"]["suicide_risk"], "high")
        self.assertEqual(verdict["verdict"], "requires_override")

    def test_overlay_without_a_record(self):
        self.assertEqual(overlay({}, {"suicide_risk": "low"}, {}), {"suicide_risk": "low"})


class ApiNeverLoosensTheRecordTests(SafetyTestCase):
    """Facts posted to the API add to the record; they never drop, replace or contradict it."""

    def plan(self, patient=None):
        return create_plan(
            patient=patient or self.patient,
            protocol_version=self.version,
            start_date=next_monday(clinic=self.clinic),
            actor=self.prescriber,
        )

    def test_use_record_false_is_422_naming_it_and_a_recent_cssrs_still_counts(self):
        self.cssrs(HIGH)
        clean = {**CLEAR_POSTED_FACTS, "diagnoses": ["mdd"]}
        response = self.api_post({"use_record": False, "facts": clean})
        self.assertEqual(response.status_code, 422, response.content)
        self.assertIn("use_record", response.json()["fields"])
        self.assertFalse(ScreeningVerdict.objects.exists())
        verdict = self.api_post({"use_record": True, "facts": clean}).json()
        self.assertEqual(verdict["facts"]["suicide_risk"], "high")
        self.assertEqual(verdict["verdict"], "requires_override")
        with self.assertRaises(IneligibleForTreatment):
            self.plan()

    def test_given_diagnoses_add_to_the_record_s(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F20.9", label="Schizophrenia"
        )
        verdict = self.api_post({"facts": {**CLEAR_POSTED_FACTS, "diagnoses": ["mdd"]}}).json()
        self.assertEqual(verdict["facts"]["diagnoses"], ["mdd", "schizophrenia"])
        self.assertNotIn(verdict["verdict"], ("eligible", "eligible_with_cautions"))
        self.assertIn("psychosis.psychotic_disorder", [r["rule"] for r in verdict["reasons"]])
        with self.assertRaises(IneligibleForTreatment):
            self.plan()

    def test_an_age_contradicting_the_record_is_422_naming_it(self):
        today = timezone.localdate()
        young = make_patient(
            clinic=self.clinic,
            actor=self.prescriber,
            date_of_birth=date(today.year - 17, 1, 1),
        )
        patients.add_diagnosis(patient=young, actor=self.prescriber, icd10_code="F33.2", label="")
        path = f"/api/v1/patients/{young.public_id}/screenings"
        client = self.client_for(self.prescriber)
        body = {"protocol": "iv-ketamine-trd", "facts": {**CLEAR_POSTED_FACTS, "age_years": 30}}
        response = client.post(path, body, content_type="application/json")
        self.assertEqual(response.status_code, 422, response.content)
        self.assertIn("facts.age_years", response.json()["fields"])
        self.assertFalse(ScreeningVerdict.objects.filter(patient=young).exists())
        body["facts"]["age_years"] = 17.5  # within the record's year of age
        verdict = client.post(path, body, content_type="application/json").json()
        # The record's age is screened, in completed months: 17 years and (month - 1) months.
        self.assertEqual(verdict["facts"]["age_years"], 17 + (today.month - 1) / 12)
        self.assertIn("age.under_18", [r["rule"] for r in verdict["reasons"]])
        with self.assertRaises(IneligibleForTreatment):
            self.plan(young)

    def test_a_sex_contradicting_the_record_is_422_naming_it(self):
        response = self.api_post({"facts": {**CLEAR_POSTED_FACTS, "sex": "male"}})
        self.assertEqual(response.status_code, 422, response.content)
        self.assertIn("facts.sex", response.json()["fields"])
        self.assertFalse(ScreeningVerdict.objects.exists())
        self.assertEqual(
            self.api_post({"facts": {**CLEAR_POSTED_FACTS, "sex": "female"}}).status_code, 201
        )

    def test_given_medications_add_to_the_record_s_and_fill_in_doses(self):
        patients.add_medication(
            patient=self.patient, actor=self.prescriber, name="Phenelzine", drug_class="maoi"
        )
        given = [
            {"name": "phenelzine", "daily_dose_mg": 45.0},
            {"name": "Lorazepam", "class": "benzodiazepine", "daily_dose_mg": 1.0},
        ]
        verdict = self.api_post({"facts": {**CLEAR_POSTED_FACTS, "medications": given}}).json()
        self.assertEqual(
            verdict["facts"]["medications"],
            [
                {"name": "Phenelzine", "class": "maoi", "daily_dose_mg": 45.0},
                {"name": "Lorazepam", "class": "benzodiazepine", "daily_dose_mg": 1.0},
            ],
        )
        emptied = self.api_post({"facts": {**CLEAR_POSTED_FACTS, "medications": []}}).json()
        self.assertEqual([m["name"] for m in emptied["facts"]["medications"]], ["Phenelzine"])
        self.assertIn("interaction.maoi", [r["rule"] for r in emptied["reasons"]])

    def test_a_lower_dose_posted_never_lowers_the_record_s(self):
        # A recorded 20 mg/day of diazepam is above the caution line; posting the same
        # medication at 2 mg/day must not bring it under.
        record = {"medications": [{"name": "Diazepam", "class": "benzodiazepine",
                                   "diazepam_equivalent_mg": 20.0}]}  # fmt: skip
        given = {"medications": [{"name": "diazepam", "diazepam_equivalent_mg": 2.0}]}
        merged = overlay(record, given, {})["medications"]
        self.assertEqual(merged[0]["diazepam_equivalent_mg"], 20.0)
        higher = {"medications": [{"name": "Diazepam", "diazepam_equivalent_mg": 30.0}]}
        self.assertEqual(
            overlay(record, higher, {})["medications"][0]["diazepam_equivalent_mg"], 30.0
        )

    def test_overlay_refuses_a_contradiction_before_anything_is_laid_over(self):
        with self.assertRaises(ValidationFailed) as caught:
            overlay({"age_years": 16.0, "sex": "female"}, {"age_years": 30, "sex": "male"}, {})
        self.assertEqual(set(caught.exception.fields), {"facts.age_years", "facts.sex"})
