"""A background job: one unit of work that runs on the worker, retried with backoff.

django-tasks keeps one row per *attempt* (`django_tasks_db.DBTaskResult`); a `Job` is the
work itself across its attempts: which handler, for which clinic (none for system work such
as audit anchoring), how many attempts so far and the last error. Arguments are ids only,
never patient data, and the stored error is written by the job's handler or is the
exception's class name (`runner.safe_error`), never an exception message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(PublicIdModel, TimestampedModel):
    name = models.CharField(max_length=100)
    clinic = models.ForeignKey(
        "accounts.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    arguments = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "clinic", "-updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_attempts__gte=1), name="job_max_attempts_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class Export(PublicIdModel, TimestampedModel):
    """A file a user asked for (a REMS CSV, say), made by a job on the worker and kept in the
    database until `expires_at`, then its content is cleared. Only the person who asked for
    it, in the same clinic, may see or download it; `capability` is the one its kind needs,
    checked again at download. `patients` names whose records it holds (public ids), for
    the audit of each download."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=50)
    capability = models.CharField(max_length=50)
    parameters = models.JSONField(default=dict, blank=True)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="text/csv; charset=utf-8")
    content = models.BinaryField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    patients = models.JSONField(default=list, blank=True)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} export ({self.filename})"

    def state_at(self, moment) -> str:
        """ "ready", "expired", "failed" or "preparing"."""
        if self.expires_at is not None and moment >= self.expires_at:
            return "expired"
        if self.ready_at is not None:
            return "ready"
        if self.job is not None and self.job.status == JobStatus.FAILED:
            return "failed"
        return "preparing"
