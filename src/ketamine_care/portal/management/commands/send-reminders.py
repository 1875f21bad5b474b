"""`ketamine-care send-reminders`: queue e-mailed reminders for self-report questionnaires
that are still unanswered (`portal/reminders.py`); the worker sends them. Run it from cron,
say hourly; a link is reminded once."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ketamine_care.portal.reminders import queue_due_reminders


class Command(BaseCommand):
    help = "Queue e-mail reminders for unanswered self-report questionnaires (sent by the worker)."

    def handle(self, *args, **options) -> None:
        if not settings.SITE_URL.startswith(("https://", "http://")):
            raise CommandError(
                "SITE_URL must name how patients reach this server, e.g. https://kc.example"
            )
        queued = queue_due_reminders()
        self.stdout.write(f"queued {queued} reminder(s)")
