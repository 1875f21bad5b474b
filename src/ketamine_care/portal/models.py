"""Single-patient self-report links. Only a hash of the link's secret is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class SelfReportLink(PublicIdModel, TimestampedModel):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="self_report_links"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    instrument_codes = models.JSONField(help_text="Self-report instrument codes, in form order.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # An e-mailed reminder carries its own secret (made when the mail is sent, stored only as
    # this hash), so the first link keeps working; answering through either uses the link.
    reminder_queued_at = models.DateTimeField(null=True, blank=True)
    reminder_token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="self_report_link_used_or_revoked_not_both",
            )
        ]

    def __str__(self) -> str:
        return (
            f"Self-report link for patient {self.patient_id} ({', '.join(self.instrument_codes)})"
        )

    def is_usable_at(self, moment) -> bool:
        return self.used_at is None and self.revoked_at is None and moment < self.expires_at

    def status_at(self, moment) -> str:
        """ "completed" (answered), "revoked", "expired" (never answered) or "outstanding"."""
        if self.used_at is not None:
            return "completed"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if moment >= self.expires_at else "outstanding"
