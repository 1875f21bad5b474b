"""Controlled vocabularies for screening facts and rule sets (pure; no Django).

These words are the contract of `ketamine-care screen --facts`: a facts file using any other
word is rejected (exit status 2) with the field and the word named. Rule-set files are
validated against the same words, so a rule can never test for a fact nobody can record.
"""

from __future__ import annotations

from typing import Literal, get_args

from ketamine_care.core.evidence import EvidenceTag as _EvidenceTag

Diagnosis = Literal[
    "mdd",
    "mdd_psychotic_features",
    "bipolar_psychotic_features",
    "bipolar_i",
    "bipolar_ii",
    "current_mania",
    "ptsd",
    "ocd",
    "gad",
    "social_anxiety",
    "alcohol_use_disorder",
    "alcohol_use_disorder_in_remission",
    "substance_use_disorder_active",
    "substance_use_disorder_in_remission",
    "anorexia_nervosa",
    "bulimia_nervosa",
    "schizophrenia",
    "schizoaffective",
    "other_psychotic_disorder",
    "dementia",
    "delirium",
]

HistoryItem = Literal[
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage",
    "ketamine_hypersensitivity",
    "ketamine_or_pcp_misuse",
    "uncontrolled_hypertension",
    "recent_myocardial_infarction",
    "decompensated_heart_failure",
    "unstable_arrhythmia",
    "raised_intracranial_pressure",
    "severe_hepatic_impairment",
    "moderate_hepatic_impairment",
    "obstructive_sleep_apnea",
    "lower_urinary_tract_symptoms",
    "recent_stroke",
    "cerebrovascular_disease",
    "ischemic_heart_disease",
    "hypertensive_encephalopathy",
    "seizure_disorder",
    "pulmonary_hypertension",
    "glaucoma",
    "globe_injury",
    "porphyria",
    "thyroid_disease",
    "active_respiratory_infection",
    "asthma",
    "airway_instability",
    "interstitial_cystitis",
    "posterior_pharynx_procedure",
    "cns_mass_or_hydrocephalus",
]

MedicationClass = Literal[
    "benzodiazepine",
    "lamotrigine",
    "maoi",
    "psychostimulant",
    "opioid",
    "sedative_hypnotic",
    "theophylline",
    "lithium",
    "valproate",
    "antipsychotic",
    "ssri",
    "snri",
    "tca",
    "atypical_antidepressant",
    "opioid_antagonist",
    "thyroid_medication",
    "other",
]

# C-SSRS screener triage levels (Columbia triage guidance, [@posner-2011]).
SuicideRisk = Literal["none", "low", "moderate", "high"]

Sex = Literal["female", "male"]

# Severity of one reason. `missing_information` is produced by the evaluator only (a rule
# could not be decided because a fact it needs was not supplied); rule files may not use it.
RuleSeverity = Literal["ineligible", "requires_override", "caution", "info"]
Severity = Literal["ineligible", "requires_override", "missing_information", "caution", "info"]
Verdict = Literal["ineligible", "requires_override", "eligible_with_cautions", "eligible"]
EvidenceTag = _EvidenceTag  # re-exported: rule sets are validated against the shared tags


DIAGNOSES: tuple[str, ...] = get_args(Diagnosis)
HISTORY_ITEMS: tuple[str, ...] = get_args(HistoryItem)
MEDICATION_CLASSES: tuple[str, ...] = get_args(MedicationClass)
SEXES: tuple[str, ...] = get_args(Sex)
SUICIDE_RISKS: tuple[str, ...] = get_args(SuicideRisk)
