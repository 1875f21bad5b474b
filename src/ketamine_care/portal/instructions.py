"""Visit instructions before each visit and after-session instructions with the crisis
resources, sent as messages by background jobs (the same run as the measures:
`ketamine-care send-measures`).

The message holds a first name, a time and a link. The instructions are on the page behind
the link (`portal:message`): before a visit, those of `data/visit_instructions.json` for the
session's drug (the protocol's administration rules in the patient's words); after a
session, the patient's words for the discharge instructions the nurse recorded, and the
clinic's crisis resources (`outcomes.crisis`, or the clinic's own text).
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ketamine_care.core import secret_links
from ketamine_care.jobs.models import Job
from ketamine_care.jobs.runner import register
from ketamine_care.portal import contact, measure_rules
from ketamine_care.portal.models import MessageKind, PatientMessage
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import DischargeAssessment, TreatmentSession

SEND_MESSAGE_JOB = "measures.send_message"
MESSAGE_SALT = "ketamine_care.portal.patient_message"
_DATA = Path(__file__).parent / "data" / "visit_instructions.json"
DISCHARGE_VALID = timedelta(days=7)
DISCHARGE_WINDOW = timedelta(days=1)  # a discharge older than this gets no message


@cache
def instruction_data() -> dict:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def before_visit(drug: str) -> list[str]:
    return [item["text"] for item in instruction_data()["before_visit"].get(drug, [])]


def after_session(keys) -> list[str]:
    words = instruction_data()["after_session"]
    return [words[key]["text"] for key in keys if key in words]


def schedule_messages(*, clinic, now=None) -> int:
    """Make the messages due now: instructions for each visit in the next PRE_VISIT_HOURS,
    after-session instructions for each session discharged in the last day."""
    now = now or timezone.now()
    sessions = TreatmentSession.objects.filter(clinic=clinic, patient__status="active")
    ahead = now + timedelta(hours=measure_rules.PRE_VISIT_HOURS)
    planned = [
        (
            s,
            MessageKind.VISIT_INSTRUCTIONS,
            s.scheduled_for - timedelta(hours=measure_rules.PRE_VISIT_HOURS),
            s.scheduled_for,
        )  # fmt: skip
        for s in sessions.filter(
            state=states.SCHEDULED, scheduled_for__gt=now, scheduled_for__lte=ahead
        )  # fmt: skip
    ]
    planned += [
        (s, MessageKind.DISCHARGE, s.discharged_at, s.discharged_at + DISCHARGE_VALID)
        for s in sessions.filter(discharged_at__gt=now - DISCHARGE_WINDOW, discharged_at__lte=now)
    ]
    made = 0
    for session, kind, due_at, expires_at in planned:
        _, created = PatientMessage.objects.get_or_create(
            session=session,
            kind=kind,
            defaults={
                "clinic": clinic,
                "patient_id": session.patient_id,
                "due_at": due_at,
                "expires_at": expires_at,
            },  # fmt: skip
        )
        made += created
    return made


def queue_due_messages(*, clinic, now=None) -> int:
    now = now or timezone.now()
    quiet = contact.is_quiet(contact.settings_for(clinic), now)
    with transaction.atomic():
        rows = (
            PatientMessage.objects.filter(
                clinic=clinic,
                sent_at__isnull=True,
                queued_at__isnull=True,
                due_at__lte=now,
                expires_at__gt=now,
                patient__status="active",
            )  # fmt: skip
            .select_related("patient")
            .select_for_update(of=("self",), no_key=True, skip_locked=True)
        )
        return contact.queue_or_hold(
            rows, clinic=clinic, quiet=quiet, now=now, job=SEND_MESSAGE_JOB, argument="message"
        )


def usable_message(token: str) -> PatientMessage | None:
    """The message for a URL token if genuine and unexpired; else None (as `usable_link`)."""
    digest = secret_links.hash_from_url(token or "", MESSAGE_SALT)
    if digest is None:
        return None
    row = (
        PatientMessage.objects.select_related("patient", "clinic", "session")
        .filter(token_sha256=digest)
        .first()
    )
    if row is None or timezone.now() >= row.expires_at or not row.patient.is_active:
        return None
    return row


def discharge_keys(session) -> list[str]:
    assessment = DischargeAssessment.objects.filter(session=session).first()
    return list(assessment.instructions) if assessment else []


def send_message(job: Job) -> None:
    row = (
        PatientMessage.objects.select_for_update(of=("self",), no_key=True)
        .select_related("patient", "clinic", "session")
        .filter(pk=job.arguments["message"])
        .first()
    )
    now = timezone.now()
    if row is None or row.sent_at is not None or now >= row.expires_at:
        return
    ready = contact.ready_to_send(row, now)
    if ready is None:
        return
    channels, clinic_settings = ready
    token, row.token_sha256 = secret_links.new_token(MESSAGE_SALT)
    when = row.session.discharged_at if row.kind == MessageKind.DISCHARGE else None
    context = {
        "first_name": row.patient.given_name,
        "link": contact.absolute(reverse("portal:message", args=[token])),
        "when": contact.local_time(when or row.session.scheduled_for, clinic_settings.time_zone),
    }
    name = "discharge" if row.kind == MessageKind.DISCHARGE else "visit_instructions"
    subject = {"discharge": "After your visit", "visit_instructions": "Your next visit"}[name]
    delivered = contact.deliver(
        patient=row.patient,
        channels=channels,
        subject=subject,
        body=render_to_string(f"portal/email/{name}.txt", context),
        short=render_to_string(f"portal/email/{name}_sms.txt", context).strip(),
    )
    contact.record_sent(
        row, event_type="patient_message.sent", now=now, channels=channels,
        delivered=delivered, fields=["token_sha256"],
    )  # fmt: skip


register(SEND_MESSAGE_JOB, send_message)
