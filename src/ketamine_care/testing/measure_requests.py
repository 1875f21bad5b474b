"""Scheduled self-report requests for tests (`portal`), made directly: a request after a
session, due an hour ago and valid for a day, not sent yet."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.portal.models import ContactPreference, MeasureRequest


def make_measure_request(*, session, kind: str = "after_session_1d", codes=("phq9",)):
    now = timezone.now()
    return MeasureRequest.objects.create(
        clinic=session.clinic,
        patient=session.patient,
        session=session,
        kind=kind,
        instrument_codes=list(codes),
        due_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=1),
    )


def consent(patient, actor, *, by_email: bool = True, by_sms: bool = False):
    return ContactPreference.objects.update_or_create(
        patient=patient,
        defaults={
            "consent_to_contact": True,
            "by_email": by_email,
            "by_sms": by_sms,
            "recorded_by": actor,
        },
    )[0]
