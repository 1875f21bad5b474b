"""Whether and how a patient may be contacted now: consent, preferred channels, the clinic's
quiet hours, and the words of the messages (a first name, a time and a link, nothing else:
never a diagnosis, a drug or a questionnaire's name)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.jobs.runner import JobError, enqueue_job
from ketamine_care.portal import measure_rules
from ketamine_care.portal.models import ContactPreference, MeasureSettings
from ketamine_care.portal.sms import SmsError, send_sms

EMAIL = "email"
SMS = "sms"
# Why a due message was not sent (shown on the chart and the outstanding list).
NO_CONSENT = "no_consent"
NO_CHANNEL = "no_channel"
QUIET_HOURS = "quiet_hours"
HELD_WORDS = {
    NO_CONSENT: "No consent to be contacted",
    NO_CHANNEL: "No e-mail address or mobile number the patient agreed to",
    QUIET_HOURS: "Waiting for the end of quiet hours",
}


@dataclass(frozen=True)
class ClinicMeasureSettings:
    quiet_start: time
    quiet_end: time
    instruments: tuple[str, ...]
    show_scores_to_patient: bool
    time_zone: str
    is_default: bool


def settings_for(clinic) -> ClinicMeasureSettings:
    row = MeasureSettings.objects.filter(clinic=clinic).first()
    if row is None:
        return ClinicMeasureSettings(
            quiet_start=measure_rules.DEFAULT_QUIET_START,
            quiet_end=measure_rules.DEFAULT_QUIET_END,
            instruments=measure_rules.DEFAULT_INSTRUMENTS,
            show_scores_to_patient=False,
            time_zone=clinic.time_zone,
            is_default=True,
        )
    return ClinicMeasureSettings(
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        instruments=tuple(row.instruments),
        show_scores_to_patient=row.show_scores_to_patient,
        time_zone=clinic.time_zone,
        is_default=False,
    )


def is_quiet(clinic_settings: ClinicMeasureSettings, moment=None) -> bool:
    return measure_rules.in_quiet_hours(
        moment or timezone.now(),
        time_zone=clinic_settings.time_zone,
        start=clinic_settings.quiet_start,
        end=clinic_settings.quiet_end,
    )


def channels_for(patient) -> tuple[list[str], str]:
    """(channels to use, why none): consent first, then the channels the patient agreed to
    that have an address. Fail safe: no preference recorded means no consent."""
    preference = ContactPreference.objects.filter(patient=patient).first()
    if not patient.is_active or preference is None or not preference.consent_to_contact:
        return [], NO_CONSENT
    channels = []
    if preference.by_email and patient.email:
        channels.append(EMAIL)
    if preference.by_sms and patient.phone:
        channels.append(SMS)
    return channels, "" if channels else NO_CHANNEL


def local_time(moment, time_zone: str) -> str:
    """ "Tuesday 3 March at 09:30", in the clinic's time zone."""
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def deliver(*, patient, channels: list[str], subject: str, body: str, short: str) -> list[str]:
    """Send by every channel; returns those that took the message. Only when none did is it
    a failure (JobError: the worker retries); a channel that failed beside one that worked
    is not retried, so the patient does not get the same e-mail again. `short` is the text
    message's body."""
    delivered, failed = [], []
    for channel in channels:
        try:
            if channel == EMAIL:
                send_mail(subject, body, None, [patient.email], fail_silently=False)
            else:
                send_sms(to=patient.phone, body=short)
        except (smtplib.SMTPException, OSError, SmsError) as exc:
            failed.append(f"{channel} ({type(exc).__name__})")
        else:
            delivered.append(channel)
    if not delivered:
        raise JobError(f"the message could not be sent: {', '.join(failed)}")
    return delivered


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def queue_or_hold(rows, *, clinic, quiet: bool, now, job: str, argument: str) -> int:
    """Queue the send job `job` (with `{argument: row.pk}`) for each due message or measure
    request in `rows` (locked by the caller, with `patient`) that may go now and mark it queued;
    save the others held, with the reason (no consent, no channel, quiet hours), for the next
    run. Returns how many were queued."""
    queued = 0
    for row in rows:
        _, why = channels_for(row.patient)
        held = why or (QUIET_HOURS if quiet else "")
        if held:
            if row.held != held:
                row.held = held
                row.save(update_fields=["held", "updated_at"])
            continue
        enqueue_job(job, clinic=clinic, arguments={argument: row.pk})
        row.queued_at, row.held = now, ""
        row.save(update_fields=["queued_at", "held", "updated_at"])
        queued += 1
    return queued


def ready_to_send(row, now) -> tuple[list[str], ClinicMeasureSettings] | None:
    """The channels a queued message or measure request `row` (with `patient`, `clinic`,
    `queued_at` and `held`) goes on now, and its clinic's settings; None when it must wait
    (consent withdrawn, no channel, or quiet hours began since it was queued): then the row is
    saved held, with the reason, for the next run to try again."""
    channels, why = channels_for(row.patient)
    clinic_settings = settings_for(row.clinic)
    held = why or (QUIET_HOURS if is_quiet(clinic_settings, now) else "")
    if held:
        row.queued_at, row.held = None, held
        row.save(update_fields=["queued_at", "held", "updated_at"])
        return None
    return channels, clinic_settings


def record_sent(row, *, event_type: str, now, channels, delivered, fields: list[str]) -> None:
    """Mark `row` sent on the `delivered` channels (with its other changed `fields`) and audit
    it, naming the channels it could not go on."""
    row.sent_at, row.channels, row.held = now, delivered, ""
    row.save(update_fields=[*fields, "sent_at", "channels", "held", "updated_at"])
    record(
        event_type=event_type,
        patient=row.patient,
        obj=row,
        changes={
            "kind": row.kind,
            "channels": delivered,
            "not_sent": sorted(set(channels) - set(delivered)),
        },
    )
