"""Stored screening verdicts: the facts used, the full result and the exact rule set applied."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class Verdict(models.TextChoices):
    INELIGIBLE = "ineligible", "Ineligible"
    REQUIRES_OVERRIDE = "requires_override", "Requires override"
    ELIGIBLE_WITH_CAUTIONS = "eligible_with_cautions", "Eligible with cautions"
    ELIGIBLE = "eligible", "Eligible"


class ScreeningVerdict(PublicIdModel, TimestampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screening_verdicts"
    )
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+"
    )
    protocol_id = models.CharField(max_length=64)
    facts = models.JSONField()
    result = models.JSONField()  # ScreeningResult.as_record(): reasons, rule set id/version/digest
    verdict = models.CharField(max_length=32, choices=Verdict.choices)
    override_allowed = models.BooleanField()
    rule_set_version = models.CharField(max_length=32)
    rule_set_digest = models.CharField(max_length=64)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField()
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosign_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        indexes = [models.Index(fields=["patient", "protocol_id"], name="verdict_patient_protocol")]
        constraints = [
            models.CheckConstraint(
                condition=Q(overridden_by__isnull=True)
                | (
                    Q(verdict="requires_override", override_allowed=True)
                    & ~Q(override_reason="")
                    & Q(overridden_at__isnull=False)
                ),
                name="verdict_override_only_when_allowed",
            ),
            models.CheckConstraint(
                condition=Q(cosigned_by__isnull=True) | Q(overridden_by__isnull=False),
                name="verdict_cosign_needs_override",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.protocol_id}: {self.verdict}"

    @property
    def reasons(self) -> list[dict]:
        return self.result.get("reasons", [])

    @property
    def is_overridden(self) -> bool:
        return self.overridden_by_id is not None

    @property
    def permits_treatment(self) -> bool:
        """Eligible (with or without cautions), or a requires_override that was overridden."""
        if self.verdict in (Verdict.ELIGIBLE, Verdict.ELIGIBLE_WITH_CAUTIONS):
            return True
        return self.verdict == Verdict.REQUIRES_OVERRIDE and self.is_overridden

    @property
    def can_be_overridden(self) -> bool:
        return (
            self.verdict == Verdict.REQUIRES_OVERRIDE
            and self.override_allowed
            and not self.is_overridden
        )

    @property
    def awaits_cosign(self) -> bool:
        return self.is_overridden and self.cosigned_by_id is None
