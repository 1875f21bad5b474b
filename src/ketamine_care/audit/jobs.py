"""Audit anchoring as a background job ("audit.anchor"): the work of `ketamine-care
audit-anchor`, queued with `enqueue_anchoring()` (or `audit-anchor --enqueue`) and run by the
worker, retried with backoff. A system job: it belongs to no clinic and its error names
chains by clinic id and counts, never an event's content."""

from __future__ import annotations

from ketamine_care.audit.services import anchor_chains
from ketamine_care.jobs.models import Job
from ketamine_care.jobs.runner import JobError, enqueue_job, register

ANCHOR_JOB = "audit.anchor"


def run_anchoring(job: Job) -> None:
    try:
        run = anchor_chains()
    except OSError as exc:
        raise JobError(
            f"cannot write the anchor file: {exc.strerror or type(exc).__name__}"
        ) from None
    if not run.ok:
        refused = sorted(r.chain for r in run.results if r.status == "refused")
        raise JobError(
            f"{len(refused)} chain(s) refused ({', '.join(refused)[:300]}) and "
            f"{len(run.file_problems)} bad line(s) in the anchor file: run audit-verify"
        )


def enqueue_anchoring() -> Job:
    return enqueue_job(ANCHOR_JOB)


register(ANCHOR_JOB, run_anchoring)
