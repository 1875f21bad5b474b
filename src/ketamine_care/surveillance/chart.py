"""What surveillance contributes to the patient chart and to the day list (registered in
`SurveillanceConfig.ready()`): what is due or overdue, the cumulative exposure against the
clinic's thresholds, the latest checks, the open alerts with their pathways, and the links
to record each check from the chart."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.queries import day_visits
from ketamine_care.patients.models import Patient
from ketamine_care.surveillance import queries
from ketamine_care.surveillance.models import CheckKind
from ketamine_care.surveillance.schedule import reached


def record_links(patient) -> list[dict]:
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "url": reverse("surveillance:record", args=[patient.public_id, kind.value]),
        }
        for kind in CheckKind
    ]


def chart_section(request, patient) -> dict | None:
    """The chart's "Long-term surveillance" section; None for roles without it."""
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.VIEW_SURVEILLANCE):
        return None
    today = clinic_today(membership.clinic)
    state = queries.patient_surveillance(patient, membership.clinic, today)
    can_record = has_capability(membership, Capability.RECORD_SURVEILLANCE)
    return {
        "surveillance": state,
        "surveillance_exposure": state.exposure.as_dict(),
        "surveillance_exposure_notes": state.exposure.notes(),
        "surveillance_reached": reached(state.exposure, state.thresholds),
        "surveillance_trend": state.trend,
        "surveillance_checks": queries.recent_checks(patient),
        "surveillance_alerts": queries.open_alerts(patient),
        "surveillance_links": record_links(patient) if can_record else [],
        "surveillance_can_acknowledge": has_capability(membership, Capability.ACKNOWLEDGE_ALERT),
    }


def day_list_section(request, day: date) -> dict | None:
    """The day list's "Surveillance due" panel: the day's patients with checks due or
    overdue on that day; None for roles without surveillance."""
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.VIEW_SURVEILLANCE):
        return None
    clinic = membership.clinic
    patient_ids = list(day_visits(clinic, day).values_list("plan__patient_id", flat=True))
    patients = Patient.objects.filter(pk__in=set(patient_ids)).order_by(
        "family_name", "given_name", "id"
    )
    rows = []
    for patient in patients:
        patient.clinic = clinic
        due = queries.patient_surveillance(patient, clinic, day).due
        if due:
            rows.append({"patient": patient, "due": due})
    return {"surveillance_day_rows": rows, "surveillance_day": day}
