"""A Bulk Data export (`$export`): who asked, what for, and the NDJSON files the worker wrote.

The files live on disk under FHIR_BULK_DIR/<public id>/ (one per resource type) until
`expires_at`, then they are deleted and the row stays as the export's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class BulkLevel(models.TextChoices):
    SYSTEM = "system", "System"
    GROUP = "group", "Group"
    PATIENT = "patient", "Patient"


class BulkStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class BulkExport(PublicIdModel, TimestampedModel):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(max_length=10, choices=BulkLevel.choices)
    types = models.JSONField(default=list)  # resource type names, in the order written
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.CharField(max_length=1000)
    status = models.CharField(max_length=10, choices=BulkStatus.choices, default=BulkStatus.QUEUED)
    # [{"type": "Patient", "file": "Patient.ndjson", "count": 12}, ...]
    output = models.JSONField(default=list, blank=True)
    transaction_time = models.DateTimeField(null=True, blank=True)
    # X-Progress while the worker writes: resources written of those it counted at the start.
    resources_done = models.PositiveBigIntegerField(default=0)
    resources_total = models.PositiveBigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["clinic", "requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.level} export ({self.status})"

    def progress(self) -> str:
        """X-Progress: a percentage estimate once the worker has counted the rows."""
        if self.status == BulkStatus.QUEUED:
            return "queued"
        if not self.resources_total:
            return "writing files"
        percent = min(99, 100 * self.resources_done // self.resources_total)
        return f"{percent}% ({self.resources_done:,} of {self.resources_total:,} resources)"
