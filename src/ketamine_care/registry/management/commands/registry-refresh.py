"""`ketamine-care registry-refresh`: rebuild the course summaries the outcomes dashboard counts
from, for every clinic (or `--clinic ID`), now or, with `--enqueue`, as a background job.
`--stale-only` rebuilds only the courses that writes marked stale since the last refresh. Run
it from cron (nightly, say); the dashboard also queues a stale-only refresh when it finds
stale courses. Each batch keeps the cohort cube the dashboard sums current; after the
summaries it rebuilds a cube that is not current. With `--cube-only` it rebuilds only the
cube (and the per-course dose bins and course counts it reads) from the summaries as they
are, e.g. after an upgrade or a bulk load of summaries."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.accounts.models import Clinic
from ketamine_care.registry.cube import rebuild_cubes
from ketamine_care.registry.dosebins import rebuild_clinic_dose_bins
from ketamine_care.registry.jobs import enqueue_refresh
from ketamine_care.registry.services import (
    count_patient_courses,
    outdate_cubes,
    refresh_stale,
    refresh_summaries,
)


class Command(BaseCommand):
    help = "Rebuild the course summaries of the clinic outcomes dashboard."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clinic", type=int, help="one clinic's id (default: every clinic)")
        parser.add_argument("--stale-only", action="store_true", help="only the stale courses")
        parser.add_argument(
            "--enqueue", action="store_true", help="queue it for the worker instead of now"
        )
        parser.add_argument(
            "--cube-only", action="store_true", help="only the cohort cube, from the summaries"
        )

    def handle(self, *args, **options) -> None:
        clinic = None
        if options["clinic"] is not None:
            clinic = Clinic.objects.filter(pk=options["clinic"]).first()
            if clinic is None:
                raise CommandError(f"no clinic with id {options['clinic']}")
        if options["cube_only"]:
            self._cube_only(clinic)
            return
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
        self.stdout.write(f"{rebuild_cubes(clinic=clinic)} cohort cubes rebuilt")

    def _cube_only(self, clinic) -> None:
        clinics = [clinic] if clinic else list(Clinic.objects.order_by("pk"))
        for each in clinics:
            outdate_cubes(clinic=each)
            count_patient_courses(clinic=each)
            bins = rebuild_clinic_dose_bins(each)
            self.stdout.write(f"clinic {each.pk}: {bins} dose bins stored")
        built = rebuild_cubes(clinic=clinic)
        self.stdout.write(f"{built} cohort cubes rebuilt")
