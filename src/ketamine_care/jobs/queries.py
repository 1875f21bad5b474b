"""Which jobs a clinic's administrators see: the clinic's own jobs and the system jobs (no
clinic, such as audit anchoring, whose failure weakens every clinic's trail). A system job's
arguments and error carry no clinic's data. Another clinic's job is never found (404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from ketamine_care.jobs.models import Job, JobStatus

FAILED_PAGE_SIZE = 50


def visible_to(clinic) -> QuerySet[Job]:
    return Job.objects.filter(Q(clinic=clinic) | Q(clinic__isnull=True))


def failed_jobs(clinic, *, limit: int = FAILED_PAGE_SIZE) -> list[Job]:
    """The latest failed jobs, newest first (an indexed query; the page shows `limit`)."""
    jobs = visible_to(clinic).filter(status=JobStatus.FAILED).order_by("-updated_at", "-pk")
    return list(jobs[:limit])


def access_job(clinic, public_id) -> Job:
    job = visible_to(clinic).filter(public_id=public_id).first()
    if job is None:
        raise Http404("No such job.")
    return job
