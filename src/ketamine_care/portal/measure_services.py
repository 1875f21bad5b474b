"""Audited changes to scheduled measures: resend a request, record a patient's contact
preferences, change the clinic's measure settings, and note that a link was opened."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.jobs.runner import enqueue_job
from ketamine_care.portal import contact, measure_rules
from ketamine_care.portal.measures import SEND_REQUEST_JOB
from ketamine_care.portal.models import (
    ContactPreference,
    MeasureRequest,
    MeasureSettings,
    SelfReportLink,
)
from ketamine_care.portal.services import _check_codes

RESEND_VALID_HOURS = measure_rules.RESEND_VALID_HOURS


def resend_request(*, measure_request: MeasureRequest, actor, request=None) -> MeasureRequest:
    """Send the request again with a new link: the earlier link is revoked, and an expired
    request gets RESEND_VALID_HOURS more. The job still honours consent and quiet hours."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            MeasureRequest.objects.select_for_update(of=("self",), no_key=True)
            .select_related("link", "patient")
            .get(pk=measure_request.pk)
        )
        if row.state_at(now) == "completed":
            raise StateError("This questionnaire was already answered.")
        if not row.patient.is_active:
            raise StateError("This patient was marked as entered in error.")
        revoked = None
        if row.link is not None and row.link.is_usable_at(now):
            SelfReportLink.objects.filter(pk=row.link_id).update(revoked_at=now, updated_at=now)
            revoked = str(row.link.public_id)
        if row.expires_at <= now + timedelta(hours=1):
            row.expires_at = now + timedelta(hours=RESEND_VALID_HOURS)
        row.link, row.sent_at, row.opened_at, row.held = None, None, None, ""
        row.queued_at = now
        row.save()
        enqueue_job(SEND_REQUEST_JOB, clinic=row.clinic, arguments={"request": row.pk})
        record(
            event_type="measure_request.resent",
            actor=actor,
            patient=row.patient,
            obj=row,
            changes={"revoked_link": revoked, "expires_at": row.expires_at},
            request=request,
        )
    return row


def set_contact_preferences(
    *, patient, actor, consent_to_contact: bool, by_email: bool, by_sms: bool, request=None
) -> ContactPreference:
    with transaction.atomic():
        row = (
            ContactPreference.objects.select_for_update(of=("self",), no_key=True)
            .filter(patient=patient)
            .first()
        )
        old = (
            {"consent_to_contact": row.consent_to_contact, "by_email": row.by_email,
             "by_sms": row.by_sms} if row else None
        )  # fmt: skip
        new = {"consent_to_contact": consent_to_contact, "by_email": by_email, "by_sms": by_sms}
        if row is None:
            row = ContactPreference(patient=patient, recorded_by=actor, **new)
        else:
            for name, value in new.items():
                setattr(row, name, value)
            row.recorded_by = actor
        row.save()
        record(
            event_type="contact_preference.recorded",
            actor=actor,
            patient=patient,
            obj=row,
            changes={"old": old, "new": new},
            request=request,
        )
    return row


def save_measure_settings(
    *,
    clinic,
    actor,
    quiet_start: time,
    quiet_end: time,
    instruments: list[str],
    show_scores_to_patient: bool,
    request=None,
) -> MeasureSettings:
    codes = _check_codes(instruments) if instruments else []
    if not codes:
        raise ValidationFailed(
            "Choose the questionnaires.", fields={"instruments": "Choose at least one."}
        )
    new = {
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "instruments": codes,
        "show_scores_to_patient": show_scores_to_patient,
    }
    with transaction.atomic():
        row, _ = MeasureSettings.objects.update_or_create(
            clinic=clinic, defaults={**new, "updated_by": actor}
        )
        record(
            event_type="measure_settings.changed",
            actor=actor,
            clinic=clinic,
            obj=row,
            changes={"new": {**new, "quiet_start": str(quiet_start), "quiet_end": str(quiet_end)}},
            request=request,
        )
    return row


def mark_opened(link: SelfReportLink) -> None:
    """The patient opened the questionnaire of a scheduled request (state "opened")."""
    MeasureRequest.objects.filter(link=link, opened_at__isnull=True).update(
        opened_at=timezone.now(), updated_at=timezone.now()
    )


def held_words(row) -> str:
    return contact.HELD_WORDS.get(row.held, "")
