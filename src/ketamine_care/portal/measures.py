"""Scheduled self-report requests: made from the protocol and the clinic's settings, sent by
background jobs (`ketamine-care send-measures`, from cron, queues them; the worker sends).

`schedule_requests` makes the requests that are due now (`measure_rules.planned_requests`),
one per session and kind. `queue_due_requests` queues one job per due request whose patient
consented and may be reached, outside the clinic's quiet hours; a held request says why
(`held`) and is tried again on the next run. The job (`measures.send_request`) checks all of
it again, makes the self-report link (its secret exists only in the message; the row keeps
its hash) and sends it by e-mail and/or text message.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from functools import cache

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ketamine_care.instruments.definition import UnknownInstrument, load_definition
from ketamine_care.jobs.models import Job
from ketamine_care.jobs.runner import register
from ketamine_care.outcomes.rules import load_thresholds
from ketamine_care.portal import contact, measure_rules
from ketamine_care.portal.models import MeasureRequest, SelfReportLink
from ketamine_care.portal.tokens import new_token
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import TreatmentSession
from ketamine_care.treatment_sessions.monitoring import definition_for

SEND_REQUEST_JOB = "measures.send_request"
NOT_HELD = ("", contact.QUIET_HOURS)
_LOOK_BACK = timedelta(days=measure_rules.FOLLOW_UP_DAYS + measure_rules.FOLLOW_UP_VALID_DAYS)


def _self_report(codes) -> set[str]:
    found = set()
    for code in codes:
        try:
            if load_definition(code).self_report:
                found.add(code)
        except UnknownInstrument:
            continue
    return found


def _visit(session) -> measure_rules.Visit:
    return measure_rules.Visit(
        session.pk, session.scheduled_for, session.discharged_at, session.dose_started_at
    )


@cache
def after_session_windows() -> dict[str, tuple[float, float]]:
    """(target, tolerance) hours of the early-response windows the day-1 and day-7
    requests follow, from the outcome thresholds."""
    windows = {w.label: w for w in load_thresholds().early_response_windows.windows}
    return {
        kind: (windows[label].target_hours, windows[label].tolerance_hours)
        for kind, label in measure_rules.AFTER_SESSION_WINDOWS.items()
        if label in windows
    }


def _sessions_by_patient(clinic, now):
    """{patient_id: (upcoming sessions, finished sessions)} for the scheduling window."""
    rows = (
        TreatmentSession.objects.filter(clinic=clinic, patient__status="active")
        .exclude(state__in=(states.CANCELLED, states.ABORTED))
        .filter(scheduled_for__gt=now - _LOOK_BACK)
        .select_related("protocol_version")
        .order_by("scheduled_for", "pk")
    )
    grouped: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for session in rows:
        if session.state == states.SCHEDULED and session.scheduled_for > now:
            grouped[session.patient_id][0].append(session)
        elif session.discharged_at is not None:
            grouped[session.patient_id][1].append(session)
    return grouped


def _planned_for(upcoming, finished, clinic_settings, now):
    sessions = {s.pk: s for s in [*upcoming, *finished]}
    latest = sessions[max(sessions, key=lambda pk: sessions[pk].scheduled_for)]
    instruments_at = definition_for(latest.protocol_version).monitoring.instruments_at
    self_report = _self_report(tp.instrument for tp in instruments_at)
    pre_dose = measure_rules.protocol_instruments(
        instruments_at, self_report, time_point="pre_dose"
    )
    follow = measure_rules.protocol_instruments(instruments_at, self_report, time_point="follow_up")
    return measure_rules.planned_requests(
        upcoming=[_visit(s) for s in upcoming],  # a visit booked later also stops follow-up
        finished=[_visit(s) for s in finished],
        pre_dose=pre_dose,
        follow_up=follow,
        clinic_instruments=clinic_settings.instruments,
        after_windows=after_session_windows(),
        now=now,
    ), sessions


def schedule_requests(*, clinic, now=None) -> int:
    """Make the requests due now for the clinic's patients; returns how many were new."""
    now = now or timezone.now()
    clinic_settings = contact.settings_for(clinic)
    made = 0
    grouped = _sessions_by_patient(clinic, now)
    ids = [s.pk for upcoming, finished in grouped.values() for s in [*upcoming, *finished]]
    existing = set(
        MeasureRequest.objects.filter(session_id__in=ids).values_list("session_id", "kind")
    )
    for patient_id, (upcoming, finished) in grouped.items():
        planned, sessions = _planned_for(upcoming, finished, clinic_settings, now)
        for item in planned:
            if (item.session_key, item.kind) in existing:
                continue
            _, created = MeasureRequest.objects.get_or_create(
                session=sessions[item.session_key],
                kind=item.kind,
                defaults={
                    "clinic": clinic,
                    "patient_id": patient_id,
                    "instrument_codes": list(item.instrument_codes),
                    "due_at": item.due_at,
                    "expires_at": item.expires_at,
                },
            )
            made += created
    return made


def due_requests(clinic, now):
    return MeasureRequest.objects.filter(
        clinic=clinic,
        sent_at__isnull=True,
        queued_at__isnull=True,
        due_at__lte=now,
        expires_at__gt=now,
        patient__status="active",
    ).select_related("patient")


def queue_due_requests(*, clinic, now=None) -> int:
    """Queue a send job per due request that may go now; mark the others held. Returns how
    many were queued."""
    now = now or timezone.now()
    clinic_settings = contact.settings_for(clinic)
    quiet = contact.is_quiet(clinic_settings, now)
    with transaction.atomic():
        rows = due_requests(clinic, now).select_for_update(
            of=("self",), no_key=True, skip_locked=True
        )
        return contact.queue_or_hold(
            rows, clinic=clinic, quiet=quiet, now=now, job=SEND_REQUEST_JOB, argument="request"
        )


def request_url(token: str) -> str:
    return contact.absolute(reverse("portal:respond", args=[token]))


def _issue_link(row: MeasureRequest) -> str:
    token, digest = new_token()
    row.link = SelfReportLink.objects.create(
        clinic=row.clinic,
        patient=row.patient,
        token_sha256=digest,
        instrument_codes=row.instrument_codes,
        created_by=None,
        expires_at=row.expires_at,
    )
    return token


def send_request(job: Job) -> None:
    row = (
        MeasureRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("patient", "clinic")
        .filter(pk=job.arguments["request"])
        .first()
    )
    now = timezone.now()
    # Sent, answered or expired since it was queued: nothing to send.
    if row is None or row.sent_at is not None or now >= row.expires_at:
        return
    ready = contact.ready_to_send(row, now)
    if ready is None:  # consent withdrawn or quiet hours began since: the next run tries again
        return
    channels, clinic_settings = ready
    token = _issue_link(row)
    context = {
        "first_name": row.patient.given_name,
        "link": request_url(token),
        "until": contact.local_time(row.expires_at, clinic_settings.time_zone),
    }
    delivered = contact.deliver(
        patient=row.patient,
        channels=channels,
        subject="A short questionnaire from your care team",
        body=render_to_string("portal/email/measure_request.txt", context),
        short=render_to_string("portal/email/measure_request_sms.txt", context).strip(),
    )
    contact.record_sent(
        row, event_type="measure_request.sent", now=now, channels=channels,
        delivered=delivered, fields=["link"],
    )  # fmt: skip


register(SEND_REQUEST_JOB, send_request)
