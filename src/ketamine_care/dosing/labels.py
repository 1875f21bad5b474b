"""The clinic's words for the dosing app's audit events and weight bases;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from decimal import Decimal

from ketamine_care.core import labels as core_labels

WEIGHT_BASIS = "weight_basis"
# The weight a mg/kg dose is calculated on (`weights.WEIGHT_BASES`) [@sanacora-2017].
WEIGHT_BASES = {
    "actual": "Actual weight",
    "ideal": "Ideal body weight (Devine)",
    "adjusted": "Adjusted body weight",
}
# The same in a sentence: "35 mg (on ideal body weight 61.4 kg)".
_IN_A_SENTENCE = {
    "actual": "actual weight",
    "ideal": "ideal body weight",
    "adjusted": "adjusted body weight",
}

AUDIT_EVENTS = {
    "plan.created": "Treatment plan created",
    "plan.visit_moved": "Planned visit moved",
    "plan.conditional_visits_confirmed": "Conditional visits confirmed",
    "visits.listed": "Day list viewed",
    "clinic.label_jurisdiction_changed": "Product label jurisdiction changed",
}


def weight_used(basis: str | None, weight_kg) -> str:
    """The weight a dose was calculated on, in the clinic's words ("ideal body weight 61.4
    kg"); "" when the basis or the weight is not recorded."""
    if not basis or weight_kg in (None, ""):
        return ""
    words = _IN_A_SENTENCE.get(basis) or core_labels.label(WEIGHT_BASIS, basis).lower()
    return f"{words} {Decimal(str(weight_kg)).normalize():f} kg"


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels(WEIGHT_BASIS, WEIGHT_BASES)
