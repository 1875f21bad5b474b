"""E-mailed reminders for self-report questionnaires that are still unanswered.

`ketamine-care send-reminders` (from cron, say hourly) queues one job per due link: a link
not used, revoked or expired, made at least SELF_REPORT_REMINDER_AFTER_HOURS ago, whose
patient has an e-mail address, never reminded before. The worker sends it, retried with
backoff. The job's arguments name the link by id; its secret is made when the mail is sent
and only its hash is stored (`reminder_token_sha256`), so the job table never holds a usable
link, and the link the clinic gave first keeps working. The message holds the patient's first
name and the link, nothing else: no clinic name, questionnaire or diagnosis.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.jobs.models import Job
from ketamine_care.jobs.runner import JobError, enqueue_job, register
from ketamine_care.portal.models import SelfReportLink
from ketamine_care.portal.tokens import new_token

REMINDER_JOB = "reminder.self_report"


def due_links(now=None):
    now = now or timezone.now()
    made_before = now - timedelta(hours=settings.SELF_REPORT_REMINDER_AFTER_HOURS)
    return (
        SelfReportLink.objects.filter(
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
            created_at__lte=made_before,
            reminder_queued_at__isnull=True,
            patient__status="active",  # not a record entered in error
        )
        .exclude(patient__email="")
        .order_by("pk")
    )


def queue_due_reminders(*, now=None) -> int:
    """Queue a reminder job for every due link, each marked queued in the same transaction
    (a second run before the worker does not queue it again). Returns how many."""
    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        links = due_links(now).select_for_update(of=("self",), no_key=True, skip_locked=True)
        for link in links:
            enqueue_job(REMINDER_JOB, clinic=link.clinic, arguments={"link": link.pk})
            link.reminder_queued_at = now
            link.save(update_fields=["reminder_queued_at", "updated_at"])
            queued += 1
    return queued


def send_reminder(job: Job) -> None:
    link = (
        SelfReportLink.objects.select_for_update(of=("self",), no_key=True)
        .select_related("patient")
        .filter(pk=job.arguments["link"])
        .first()
    )
    # Answered, revoked or expired since it was queued, or already sent: nothing to send.
    if link is None or link.reminder_token_sha256 or not link.is_usable_at(timezone.now()):
        return
    if not link.patient.email or not link.patient.is_active:
        return
    token, digest = new_token()
    link.reminder_token_sha256 = digest
    link.save(update_fields=["reminder_token_sha256", "updated_at"])
    url = settings.SITE_URL.rstrip("/") + reverse("portal:respond", args=[token])
    context = {"first_name": link.patient.given_name, "link": url, "expires_at": link.expires_at}
    try:
        send_mail(
            "A short questionnaire from your care team",
            render_to_string("portal/email/reminder.txt", context),
            None,
            [link.patient.email],
            fail_silently=False,
        )
    except (smtplib.SMTPException, OSError) as exc:
        raise JobError(f"the e-mail could not be sent ({type(exc).__name__})") from None
    record(
        event_type="self_report_link.reminded",
        patient=link.patient,
        obj=link,
        changes={"channel": "email"},
    )


register(REMINDER_JOB, send_reminder)
