"""Therapy risk alerts in the clinic's one alert feed (`core.alert_feed`): a therapist's risk
check that reports suicidal thoughts or behaviour is shown with the questionnaire alerts
(tagged "suicidality"), to the roles that see those, until a clinician acknowledges it."""

from __future__ import annotations

from django.urls import reverse

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core import alert_feed
from ketamine_care.therapy.models import RiskAlertStatus, TherapyRiskAlert

FEED = "therapy"
RULE = "therapy_risk_check"
SUICIDALITY = "suicidality"
WORDS = "Therapist's risk check: suicidal thoughts or behaviour reported ({kind}, {day})."
TASK = (
    "Task: review with the patient today and follow the clinic's crisis protocol; "
    "write or review the safety plan."
)


def items(membership, *, status: str, patient=None, limit: int) -> list[alert_feed.AlertItem]:
    if not has_capability(membership, Capability.VIEW_MEASURES):
        return []
    alerts = alert_feed.newest(
        TherapyRiskAlert.objects.filter(clinic_id=membership.clinic_id),
        status=status, patient=patient, limit=limit, related=("therapy_session",),
    )  # fmt: skip
    can_acknowledge = has_capability(membership, Capability.ACKNOWLEDGE_ALERT)
    return [_item(alert, can_acknowledge) for alert in alerts]


def _item(alert: TherapyRiskAlert, can_acknowledge: bool) -> alert_feed.AlertItem:
    session = alert.therapy_session
    acknowledge = ""
    if alert.is_open and can_acknowledge:
        acknowledge = reverse("therapy:acknowledge", args=[alert.public_id])
    return alert_feed.AlertItem(
        key=f"{FEED}:{alert.public_id}",
        patient=alert.patient,
        kind=alert_feed.THERAPY_RISK_CHECK,
        rule=RULE,
        tier=alert_feed.URGENT,
        words=WORDS.format(
            kind=session.get_kind_display().lower(), day=f"{session.held_on:%Y-%m-%d}"
        ),
        raised_at=alert.created_at,
        link=reverse("patients:chart", args=[alert.patient.public_id]),
        is_open=alert.is_open,
        action_url=acknowledge,
        detail=TASK,
        resolution=alert.acknowledgement_note,
        tags=frozenset({SUICIDALITY}),
    )


def count(membership) -> alert_feed.AlertCount | alert_feed.CountQuery:
    """The clinic's open therapy risk alerts, all urgent."""
    if not has_capability(membership, Capability.VIEW_MEASURES):
        return alert_feed.AlertCount()
    rows = TherapyRiskAlert.objects.filter(
        clinic_id=membership.clinic_id, status=RiskAlertStatus.OPEN
    )
    return alert_feed.CountQuery(rows, all_urgent=True)
