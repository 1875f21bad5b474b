"""Words for the clinic-editable values of a protocol (pure): each value's name and the
part of the protocol it belongs to, as the edit form shows them."""

# Words for a value's own name; the group heading says which rule or route it belongs to.
FIELD_WORDS: dict[str, str] = {
    "default": "Starting dose",
    "allowed_min": "Lowest allowed dose",
    "allowed_max": "Highest allowed dose",
    "titration_ladder": "Titration steps",
    "allowed_fixed_doses_mg": "Allowed fixed doses",
    "max_single_dose_mg": "Maximum single dose",
    "mg": "Ceiling per dose",
    "mg_per_kg": "Warn above",
    "min_mg_per_kg": "Lowest top-up dose",
    "max_mg_per_kg": "Highest top-up dose",
    "infusion_duration_min": "Infusion duration",
    "device_mg": "Dose per device",
    "device_spacing_min": "Time between devices",
    "sessions_per_week": "Visits per week",
    "every_weeks": "One visit every",
    "weeks": "Length of the block",
    "sessions": "Number of visits",
    "min_gap_days": "Shortest gap between visits",
    "dose_sequence": "Planned dose per visit",
    "dose_options": "Dose options",
    "offset_days": "Days after the visit",
    "min_observation_min": "Minimum observation after dosing",
    "during_every_min": "Vital signs every (during dosing)",
    "after_every_min": "Vital signs every (after dosing)",
    "after_for_min": "Keep recording after dosing for",
    "bp_at_min": "Blood pressure at",
    "minutes": "Minutes after dosing",
    "every_session": "At every visit",
    "sustained_min": "Sustained for",
    "with_symptoms": "Only with a reported symptom",
    "moaas_required": "MOAA/S needed for discharge",
    "require_bp_below_urgent": "Blood pressure below the urgent line before discharge",
    "esketamine_bp_falling_from_40_min": "Blood pressure falling from 40 minutes (esketamine)",
    "cadss_threshold": "Highest CADSS total at discharge",
    "escort_required": "Escort required",
    "recovery_score_pass": "Recovery score needed",
    "safe_bp_systolic_max": "Safe systolic at discharge",
    "safe_bp_diastolic_max": "Safe diastolic at discharge",
    "within_percent": "Within this much of the pre-dose value",
    "bp_systolic_max": "Or systolic at or below",
    "bp_diastolic_max": "Or diastolic at or below",
    "hypoxia_spo2_below": "Hypoxia: SpO2 below",
    "hr_min": "Heart rate from",
    "hr_max": "Heart rate to",
    "rr_min": "Respiratory rate from",
    "rr_max": "Respiratory rate to",
    "sbp_below": "Hypotension: systolic below",
    "pounds_factor": "Pounds factor",
    "pounds_tolerance_percent": "Pounds tolerance",
    "value": "Line",
    "frequency": "Days between visits",
    "interval": "Minutes between recordings",
    "start_after_days": "First due, days after the first dose",
    "every_days": "Repeat every",
    "grace_days": "Overdue after its due date by more than",
    "required": "Required by the clinic",
    "sessions_last_30_days": "Review at sessions in 30 days",
    "mg_last_30_days": "Review at mg in 30 days",
    "sessions_last_365_days": "Review at sessions in 365 days",
    "mg_last_365_days": "Review at mg in 365 days",
}


GROUPS = {
    "dose": "Dose",
    "administration": "Administration",
    "schedule": "Schedule",
    "monitoring": "Monitoring",
    "vitals_cadence": "Vital-sign cadence",
    "discharge": "Discharge",
    "vitals_near_baseline": "Discharge: vital signs near the pre-dose values",
    "paediatric_vitals": "Children's vital signs",
    "outcome": "Outcome",
    "response": "Outcome: response",
    "remission": "Outcome: remission",
    "weight_plausibility": "Weight checks",
    "ceiling": "Clinic ceiling",
    "repeat": "Top-up doses",
    "warn_above": "Dose warning",
    "surveillance": "Long-term surveillance",
    "exposure_thresholds": "Long-term surveillance: exposure thresholds",
}

# Words for the parts of a `clinic_must_set` path (activation form, versions table).
PATH_WORDS = {
    "dose": "",
    "default": "starting dose",
    "allowed_min": "lowest allowed dose",
    "allowed_max": "highest allowed dose",
    "titration_ladder": "titration steps",
    "administration": "",
    "infusion_duration_min": "infusion duration",
    "min_observation_min": "minimum observation after dosing",
    "monitoring": "",
    "discharge": "discharge:",
    "cadss_threshold": "highest CADSS total",
    "vitals_cadence": "",
    "interval": "minutes between vital-sign recordings",
    "schedule": "",
    "blocks": "schedule:",
    "frequency": "days between visits",
    "outcome": "outcome:",
    "response": "response",
    "remission": "remission",
}


def path_words(path: str) -> str:
    """A clinic-set path in words: `outcome.response` -> "Outcome: response"."""
    parts = [
        PATH_WORDS.get(p, p.upper() if len(p) <= 10 and p.isalpha() else p) for p in path.split(".")
    ]
    text = " ".join(p for p in parts if p).strip().rstrip(":")
    return text[0].upper() + text[1:]
