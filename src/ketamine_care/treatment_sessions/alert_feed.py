"""In-session vital-sign alerts and serious adverse events in the clinic's one alert feed
(`core.alert_feed`). Both are `SessionAlert` rows; they are acknowledged on the session page,
with the action taken."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core import alert_feed
from ketamine_care.treatment_sessions.models import SessionAlert

FEED = "session"
TIER = {"urgent": alert_feed.URGENT, "warning": alert_feed.WARNING, "info": alert_feed.INFO}


def items(membership, *, status: str, patient=None, limit: int) -> list[alert_feed.AlertItem]:
    """The clinic's session alerts, newest first; none for a role that sees no sessions."""
    if not has_capability(membership, Capability.VIEW_SESSIONS):
        return []
    alerts = SessionAlert.objects.filter(session__clinic_id=membership.clinic_id)
    if status != "all":
        alerts = alerts.filter(acknowledged_at__isnull=status == "open")
    if patient is not None:
        alerts = alerts.filter(session__patient=patient)
    alerts = alerts.select_related("session__patient").order_by("-triggered_at", "-id")
    can_acknowledge = has_capability(membership, Capability.RUN_SESSION)
    return [_item(alert, can_acknowledge) for alert in alerts[:limit]]


def _item(alert: SessionAlert, can_acknowledge: bool) -> alert_feed.AlertItem:
    link = reverse("treatment_sessions:detail", args=[alert.session.public_id])
    serious = alert.adverse_event_id is not None
    return alert_feed.AlertItem(
        key=f"{FEED}:{alert.public_id}",
        patient=alert.session.patient,
        kind=alert_feed.SERIOUS_ADVERSE_EVENT if serious else alert_feed.VITAL_SIGNS,
        rule=alert.rule,
        tier=TIER.get(alert.tier, alert_feed.URGENT),
        words=alert.message,
        raised_at=alert.triggered_at,
        link=link,
        is_open=alert.is_open,
        # Acknowledged at the chair, on the session page, where the readings are.
        action_url=f"{link}#session-alerts" if alert.is_open and can_acknowledge else "",
        action_label="Acknowledge on the session…",
        detail=f"Action: {alert.action}" if alert.action else "",
        resolution=alert.action_taken,
    )


def count(membership) -> alert_feed.AlertCount | alert_feed.CountQuery:
    """The clinic's open session alerts (and the urgent ones)."""
    if not has_capability(membership, Capability.VIEW_SESSIONS):
        return alert_feed.AlertCount()
    rows = SessionAlert.objects.filter(
        session__clinic_id=membership.clinic_id, acknowledged_at__isnull=True
    )
    return alert_feed.CountQuery(rows, urgent=Q(tier="urgent"))
