"""The clinic's words for the screening vocabulary, the verdicts and the drug classes;
registered in `ScreeningConfig.ready()` (`core.labels`)."""

from __future__ import annotations

import re

from ketamine_care.core import labels as core_labels

DIAGNOSES = {
    "mdd": "Major depressive disorder",
    "mdd_psychotic_features": "Major depressive disorder with psychotic features",
    "bipolar_psychotic_features": "Bipolar disorder with psychotic features",
    "bipolar_i": "Bipolar I disorder",
    "bipolar_ii": "Bipolar II disorder",
    "current_mania": "Current manic or hypomanic episode",
    "ptsd": "Post-traumatic stress disorder",
    "ocd": "Obsessive-compulsive disorder",
    "gad": "Generalised anxiety disorder",
    "social_anxiety": "Social anxiety disorder",
    "alcohol_use_disorder": "Alcohol use disorder",
    "alcohol_use_disorder_in_remission": "Alcohol use disorder, in remission",
    "substance_use_disorder_active": "Substance use disorder, active",
    "substance_use_disorder_in_remission": "Substance use disorder, in remission",
    "anorexia_nervosa": "Anorexia nervosa",
    "bulimia_nervosa": "Bulimia nervosa",
    "schizophrenia": "Schizophrenia",
    "schizoaffective": "Schizoaffective disorder",
    "other_psychotic_disorder": "Other psychotic disorder",
    "dementia": "Dementia",
    "delirium": "Delirium",
}

HISTORY = {
    "aneurysmal_vascular_disease": "Aneurysmal vascular disease",
    "arteriovenous_malformation": "Arteriovenous malformation",
    "intracerebral_hemorrhage": "Intracerebral haemorrhage",
    "ketamine_hypersensitivity": "Hypersensitivity to ketamine or esketamine",
    "ketamine_or_pcp_misuse": "Misuse of ketamine or phencyclidine",
    "uncontrolled_hypertension": "Uncontrolled hypertension",
    "recent_myocardial_infarction": "Recent myocardial infarction",
    "decompensated_heart_failure": "Decompensated heart failure",
    "unstable_arrhythmia": "Unstable arrhythmia",
    "raised_intracranial_pressure": "Raised intracranial pressure",
    "severe_hepatic_impairment": "Severe hepatic impairment",
    "moderate_hepatic_impairment": "Moderate hepatic impairment",
    "obstructive_sleep_apnea": "Obstructive sleep apnoea",
    "lower_urinary_tract_symptoms": "Lower urinary tract symptoms",
    "recent_stroke": "Recent stroke",
    "cerebrovascular_disease": "Cerebrovascular disease",
    "ischemic_heart_disease": "Ischaemic heart disease",
    "hypertensive_encephalopathy": "Hypertensive encephalopathy",
    "seizure_disorder": "Seizure disorder",
    "pulmonary_hypertension": "Pulmonary hypertension",
    "glaucoma": "Glaucoma",
    "globe_injury": "Open globe injury",
    "porphyria": "Porphyria",
    "thyroid_disease": "Thyroid disease",
    "active_respiratory_infection": "Active respiratory infection",
    "asthma": "Asthma",
    "airway_instability": "Airway instability",
    "interstitial_cystitis": "Interstitial cystitis",
    "posterior_pharynx_procedure": "Procedure stimulating the posterior pharynx",
    "cns_mass_or_hydrocephalus": "CNS mass or hydrocephalus",
}

DRUG_CLASSES = {
    "benzodiazepine": "Benzodiazepine",
    "lamotrigine": "Lamotrigine",
    "maoi": "MAO inhibitor",
    "psychostimulant": "Psychostimulant",
    "opioid": "Opioid",
    "sedative_hypnotic": "Sedative-hypnotic",
    "theophylline": "Theophylline or aminophylline",
    "lithium": "Lithium",
    "valproate": "Valproate",
    "antipsychotic": "Antipsychotic",
    "ssri": "SSRI antidepressant",
    "snri": "SNRI antidepressant",
    "tca": "Tricyclic antidepressant",
    "atypical_antidepressant": "Atypical antidepressant",
    "opioid_antagonist": "Opioid antagonist",
    "thyroid_medication": "Thyroid medication",
    "other": "Other medication",
}

SUICIDE_RISKS = {"none": "None", "low": "Low", "moderate": "Moderate", "high": "High"}

SEVERITIES = {
    "ineligible": "Ineligible",
    "requires_override": "Needs override",
    "missing_information": "Missing information",
    "caution": "Caution",
    "info": "For information",
}

VERDICTS = {
    "ineligible": "Ineligible",
    "requires_override": "Requires override",
    "eligible_with_cautions": "Eligible with cautions",
    "eligible": "Eligible",
}

# The facts a rule reads, as "Not recorded: ..." names them.
FACTS = {
    "age_years": "age",
    "sex": "sex",
    "pregnant": "pregnancy",
    "breastfeeding": "breastfeeding",
    "weight_kg": "weight",
    "height_cm": "height",
    "bp_systolic": "systolic blood pressure",
    "bp_diastolic": "diastolic blood pressure",
    "heart_rate": "heart rate",
    "diagnoses": "diagnoses",
    "history": "medical history",
    "failed_antidepressant_trials": "failed antidepressant trials",
    "medications": "medications",
    # How the verdict's facts show the flag (see `checked.facts_in_words`: shown inverted).
    "medications_unreviewed": "medication list confirmed complete",
    # The missing fact an open medication list leaves (`conditions.MEDICATIONS_REVIEWED`).
    "medications_reviewed": "medication review (confirm the list is complete)",
    "suicide_risk": "suicide risk (C-SSRS)",
    "inpatient_care_needed": "whether inpatient care is needed",
    "icd10_codes": "ICD-10-CM codes",
}

_DZE = re.compile(r"medications\[(?P<name>.+)\]\.diazepam_equivalent_mg")


def fact_words(fact: str) -> str:
    """A missing fact in words: "inpatient_care_needed" -> "whether inpatient care is needed",
    "medications[Lorazepam].diazepam_equivalent_mg" -> "Lorazepam: diazepam-equivalent dose"."""
    if fact in FACTS:
        return FACTS[fact]
    if match := _DZE.fullmatch(fact):
        return f"{match['name']}: diazepam-equivalent dose"
    if fact.startswith("classification of "):
        return fact
    return core_labels.humanise(fact).lower()


AUDIT_EVENTS = {
    "screening.evaluated": "Eligibility screened",
    "screening.overridden": "Screening verdict overridden",
    "screening.cosigned": "Screening override co-signed",
}


def register() -> None:
    core_labels.register_labels(core_labels.DIAGNOSIS, DIAGNOSES)
    core_labels.register_labels(core_labels.HISTORY, HISTORY)
    core_labels.register_labels(core_labels.DRUG_CLASS, DRUG_CLASSES)
    core_labels.register_labels(core_labels.SUICIDE_RISK, SUICIDE_RISKS)
    core_labels.register_labels(core_labels.SEVERITY, SEVERITIES)
    core_labels.register_labels(core_labels.VERDICT, VERDICTS)
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels("screening_fact", FACTS)
