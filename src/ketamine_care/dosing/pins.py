"""Which pinned instrument definition a patient's administrations are scored with."""

from __future__ import annotations

from typing import Any

from ketamine_care.dosing.models import PlanStatus, TreatmentPlan


def pinned_instrument_for(patient, code: str) -> dict[str, Any] | None:
    """The pin of instrument `code` in the protocol version of the patient's most recent
    active treatment plan that uses it; None when no active plan pins it (the current shipped
    definition is then used)."""
    plans = (
        TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.ACTIVE)
        .select_related("protocol_version")
        .order_by("-start_date", "-id")
    )
    for plan in plans:
        found = plan.protocol_version.pinned_instrument(code)
        if found is not None:
            return found
    return None
