"""Chart sections of this app, rendered from `patients/chart.html` with one tag each, so the
chart view needs no knowledge of screening, dosing or plans. Each section reads through the
same permission checks as its own screens."""

from __future__ import annotations

from django import template

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.dosing.completeness import patient_plan_completeness
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.protocols.queries import active_versions
from ketamine_care.screening.interactions import interaction_warnings
from ketamine_care.screening.models import ScreeningVerdict

register = template.Library()

RECENT = 5


@register.inclusion_tag("screening/_treatment_sections.html", takes_context=True)
def treatment_sections(context):
    request = context["request"]
    patient = context["patient"]
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.VIEW_TREATMENT):
        return {"visible": False}
    verdicts = (
        ScreeningVerdict.objects.filter(patient=patient)
        .select_related("evaluated_by")
        .order_by("-evaluated_at", "-id")[:RECENT]
    )
    plans = list(
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("protocol_version")
        .prefetch_related("visits")[:RECENT]
    )
    return {
        "visible": True,
        "patient": patient,
        "protocols": active_versions(membership.clinic),
        "verdicts": list(verdicts),
        "plans": plans,
        "completeness": patient_plan_completeness(patient, plans),
        "can_screen": has_capability(membership, Capability.SCREEN_PATIENT) and patient.is_active,
        "can_dose": has_capability(membership, Capability.CALCULATE_DOSE),
        "can_plan": has_capability(membership, Capability.PLAN_TREATMENT) and patient.is_active,
    }


@register.inclusion_tag("screening/_medication_warnings.html")
def medication_warnings(medication):
    """Interaction warnings for one medication row of the chart (data: interactions.json)."""
    return {
        "warnings": interaction_warnings(
            [{"name": medication.name, "class": medication.drug_class}]
        )
    }
