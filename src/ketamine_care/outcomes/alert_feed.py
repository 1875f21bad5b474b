"""The questionnaire safety alerts in the clinic's one alert feed (`core.alert_feed`)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core import alert_feed
from ketamine_care.outcomes.models import AlertStatus, SafetyAlert
from ketamine_care.outcomes.queries import is_suicidality_alert

FEED = "questionnaire"

# A rule's severity on the feed's common scale: critical (a C-SSRS high risk) is urgent;
# high and moderate ask for the care team's review (warning); low is for information.
TIER_OF_SEVERITY = {
    "critical": alert_feed.URGENT,
    "high": alert_feed.WARNING,
    "moderate": alert_feed.WARNING,
    "low": alert_feed.INFO,
}
SUICIDALITY = "suicidality"


def items(membership, *, status: str, patient=None, limit: int) -> list[alert_feed.AlertItem]:
    """The clinic's questionnaire alerts, newest first; none for a role without measures."""
    if not has_capability(membership, Capability.VIEW_MEASURES):
        return []
    alerts = alert_feed.newest(
        SafetyAlert.objects.filter(clinic_id=membership.clinic_id),
        status=status, patient=patient, limit=limit, related=("administration",),
    )  # fmt: skip
    can_acknowledge = has_capability(membership, Capability.ACKNOWLEDGE_ALERT)
    return [_item(alert, can_acknowledge) for alert in alerts]


def _item(alert: SafetyAlert, can_acknowledge: bool) -> alert_feed.AlertItem:
    acknowledge = ""
    if alert.is_open and can_acknowledge:
        acknowledge = reverse("outcomes:acknowledge", args=[alert.public_id])
    return alert_feed.AlertItem(
        key=f"{FEED}:{alert.public_id}",
        patient=alert.patient,
        kind=alert_feed.QUESTIONNAIRE,
        rule=alert.rule_id,
        tier=TIER_OF_SEVERITY.get(alert.severity, alert_feed.URGENT),
        words=alert.message,
        raised_at=alert.created_at,
        link=reverse("patients:chart", args=[alert.patient.public_id]),
        is_open=alert.is_open,
        action_url=acknowledge,
        detail=f"Task: {alert.care_team_task}" if alert.care_team_task else "",
        resolution=alert.acknowledgement_note,
        tags=frozenset({SUICIDALITY}) if is_suicidality_alert(alert) else frozenset(),
    )


def count(membership) -> alert_feed.AlertCount | alert_feed.CountQuery:
    """The clinic's open questionnaire alerts (and the urgent ones)."""
    if not has_capability(membership, Capability.VIEW_MEASURES):
        return alert_feed.AlertCount()
    urgent = [s for s, tier in TIER_OF_SEVERITY.items() if tier == alert_feed.URGENT]
    rows = SafetyAlert.objects.filter(clinic_id=membership.clinic_id, status=AlertStatus.OPEN)
    return alert_feed.CountQuery(rows, urgent=Q(severity__in=urgent))
