"""Failed background jobs, for the clinic admin: what failed, its error and a *Retry* button.
No patient data: a job's stored error is written without it (`jobs.runner.safe_error`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.job_services import retry_failed_job
from ketamine_care.accounts.permissions import Capability
from ketamine_care.jobs.queries import FAILED_PAGE_SIZE, access_job, failed_jobs
from ketamine_care.jobs.runner import JobError


@clinic_required(Capability.MANAGE_JOBS)
def failed_jobs_page(request):
    jobs = failed_jobs(request.membership.clinic)
    return render(
        request, "accounts/failed_jobs.html", {"jobs": jobs, "page_size": FAILED_PAGE_SIZE}
    )


@clinic_required(Capability.MANAGE_JOBS)
@require_POST
def retry_job(request, job_id):
    job = access_job(request.membership.clinic, job_id)
    try:
        retry_failed_job(
            acting_user=request.user, clinic=request.membership.clinic, job=job, request=request
        )
    except JobError as exc:
        messages.error(request, f"Not retried: {exc}.")
    else:
        messages.success(request, "The job is queued again; the worker runs it shortly.")
    return redirect("accounts:failed_jobs")
