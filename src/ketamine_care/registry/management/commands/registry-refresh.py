"""`ketamine-care registry-refresh`: rebuild the course summaries the outcomes dashboard counts
from, for every clinic (or `--clinic ID`), now or, with `--enqueue`, as a background job.
`--stale-only` rebuilds only the courses that writes marked stale since the last refresh. Run
it from cron (nightly, say); the dashboard also queues a stale-only refresh when it finds
stale courses."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.accounts.models import Clinic
from ketamine_care.registry.jobs import enqueue_refresh
from ketamine_care.registry.services import refresh_stale, refresh_summaries


class Command(BaseCommand):
    help = "Rebuild the course summaries of the clinic outcomes dashboard."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clinic", type=int, help="one clinic's id (default: every clinic)")
        parser.add_argument("--stale-only", action="store_true", help="only the stale courses")
        parser.add_argument(
            "--enqueue", action="store_true", help="queue it for the worker instead of now"
        )

    def handle(self, *args, **options) -> None:
        clinic = None
        if options["clinic"] is not None:
            clinic = Clinic.objects.filter(pk=options["clinic"]).first()
            if clinic is None:
                raise CommandError(f"no clinic with id {options['clinic']}")
        if options["enqueue"]:
            job = enqueue_refresh(clinic=clinic, stale_only=options["stale_only"])
            self.stdout.write(f"queued the course summary refresh as job {job.public_id}")
            return
        if options["stale_only"]:
            result = refresh_stale(clinic=clinic)
        else:
            result = refresh_summaries(clinic=clinic)
        self.stdout.write(
            f"{result.courses} course summaries refreshed in {result.batches} batches"
        )
