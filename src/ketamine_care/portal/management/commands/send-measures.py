"""`ketamine-care send-measures`: make the scheduled questionnaires and visit messages that
are due now, for every clinic, and queue their sending (`portal/measures.py`,
`portal/instructions.py`); the worker sends them. Run it from cron, every 15 minutes say."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ketamine_care.accounts.models import Clinic
from ketamine_care.portal import instructions, measures


class Command(BaseCommand):
    help = "Schedule and queue the questionnaires and visit messages due now (sent by the worker)."

    def handle(self, *args, **options) -> None:
        if not settings.SITE_URL.startswith(("https://", "http://")):
            raise CommandError(
                "SITE_URL must name how patients reach this server, e.g. https://kc.example"
            )
        made = queued = 0
        for clinic in Clinic.objects.order_by("pk"):
            made += measures.schedule_requests(clinic=clinic)
            made += instructions.schedule_messages(clinic=clinic)
            queued += measures.queue_due_requests(clinic=clinic)
            queued += instructions.queue_due_messages(clinic=clinic)
        self.stdout.write(f"scheduled {made}, queued {queued} message(s)")
