"""Reads of scheduled measures: the clinic's outstanding list and a patient's requests."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ketamine_care.audit.services import record_read
from ketamine_care.portal.models import MeasureRequest

# Expired requests stay on the outstanding list this long (to be resent or let go).
EXPIRED_SHOWN = timedelta(days=7)


def outstanding(clinic, now=None):
    """Requests not answered: due, sent, opened, and those expired in the last week; the
    soonest to expire first."""
    now = now or timezone.now()
    return (
        MeasureRequest.objects.filter(clinic=clinic, patient__status="active")
        .filter(Q(link__isnull=True) | Q(link__used_at__isnull=True))
        .filter(expires_at__gt=now - EXPIRED_SHOWN)
        .select_related("patient", "link")
        .order_by("expires_at", "pk")
    )


def for_patient(patient, clinic, limit: int = 10):
    return list(
        MeasureRequest.objects.filter(patient=patient, clinic=clinic)
        .select_related("link")
        .order_by("-due_at", "-pk")[:limit]
    )


def record_outstanding_listed(*, clinic, rows, actor, request=None) -> None:
    """Audit a page of the outstanding list: which patients were shown."""
    record_read(
        event_type="measures.listed",
        actor=actor,
        clinic=clinic,
        part="outstanding",
        patients=[row.patient for row in rows],
        request=request,
    )
