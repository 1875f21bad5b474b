"""Surveillance alerts (haematuria, positive bladder screen, misuse signals, a positive urine
drug screen, liver tests above the laboratory's limit) in the clinic's one alert feed."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core import alert_feed
from ketamine_care.surveillance.models import AlertStatus, SurveillanceAlert

FEED = "surveillance"


def items(membership, *, status: str, patient=None, limit: int) -> list[alert_feed.AlertItem]:
    if not has_capability(membership, Capability.VIEW_SURVEILLANCE):
        return []
    alerts = alert_feed.newest(
        SurveillanceAlert.objects.filter(clinic_id=membership.clinic_id),
        status=status, patient=patient, limit=limit,
    )  # fmt: skip
    can_acknowledge = has_capability(membership, Capability.ACKNOWLEDGE_ALERT)
    return [_item(alert, can_acknowledge) for alert in alerts]


def _item(alert: SurveillanceAlert, can_acknowledge: bool) -> alert_feed.AlertItem:
    acknowledge = ""
    if alert.is_open and can_acknowledge:
        acknowledge = reverse("surveillance:acknowledge", args=[alert.public_id])
    return alert_feed.AlertItem(
        key=f"{FEED}:{alert.public_id}",
        patient=alert.patient,
        kind=alert_feed.SURVEILLANCE,
        rule=alert.rule,
        tier=alert.tier if alert.tier in alert_feed.TIERS else alert_feed.URGENT,
        words=alert.message,
        raised_at=alert.created_at,
        link=reverse("patients:chart", args=[alert.patient.public_id]) + "#surveillance",
        is_open=alert.is_open,
        action_url=acknowledge,
        detail=f"Pathway: {alert.pathway}",
        resolution=alert.acknowledgement_note,
    )


def count(membership) -> alert_feed.AlertCount | alert_feed.CountQuery:
    if not has_capability(membership, Capability.VIEW_SURVEILLANCE):
        return alert_feed.AlertCount()
    rows = SurveillanceAlert.objects.filter(clinic_id=membership.clinic_id, status=AlertStatus.OPEN)
    return alert_feed.CountQuery(rows, urgent=Q(tier=alert_feed.URGENT))
