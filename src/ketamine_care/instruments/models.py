"""Administrations of rating scales: the raw item answers and what the pure scorer made of them.

A row keeps the definition version it was scored with, so a later definition change never
rewrites history. Rows are never deleted: a wrong entry is marked entered in error.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel
from ketamine_care.instruments.scoring import ScoreResult
from ketamine_care.patients.models import RecordStatus


class TimePoint(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    PRE_SESSION = "pre_session", "Before a session"
    DURING_SESSION = "during_session", "During a session"
    POST_SESSION = "post_session", "After a session (discharge)"
    FOLLOW_UP = "follow_up", "Follow-up"


# The safety rules (outcomes/safety_rules.json) name timepoints in their own words.
SAFETY_TIMEPOINT = {
    TimePoint.BASELINE: "baseline",
    TimePoint.PRE_SESSION: "pre_session",
    TimePoint.DURING_SESSION: "in_session",
    TimePoint.POST_SESSION: "discharge",
    TimePoint.FOLLOW_UP: "follow_up",
}


class Source(models.TextChoices):
    CLINICIAN = "clinician", "Entered by a clinician"
    SELF_REPORT = "self_report", "Patient self-report"


class AdministrationQuerySet(models.QuerySet):
    def active(self) -> AdministrationQuerySet:
        return self.filter(status=RecordStatus.ACTIVE)

    def chronological(self) -> AdministrationQuerySet:
        return self.order_by("administered_at", "id")


class Administration(PublicIdModel, TimestampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="administrations"
    )
    instrument_code = models.CharField(max_length=32)
    definition_version = models.CharField(max_length=32)
    # SHA-256 of the definition's canonical JSON (instruments.definition.content_digest): names
    # the exact rules it was scored with. Blank only when the version was no longer shipped
    # when digests were first filled in.
    definition_digest = models.CharField(max_length=64, blank=True)
    answers = models.JSONField(help_text="Raw item answers, {item_id: value}, in item order.")
    total = models.IntegerField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    subscales = models.JSONField(default=dict)
    flags = models.JSONField(default=list)
    risk = models.CharField(max_length=16, blank=True)
    administered_at = models.DateTimeField()
    time_point = models.CharField(max_length=20, choices=TimePoint.choices)
    follow_up_day = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    entered_in_error_reason = models.TextField(blank=True)

    objects = AdministrationQuerySet.as_manager()

    class Meta:
        ordering = ["-administered_at", "-id"]
        indexes = [
            models.Index(
                fields=["patient", "instrument_code", "administered_at"],
                name="administration_timeline",
            ),
            # A patient's administrations newest first, every instrument (the API's pages).
            models.Index(fields=["patient", "administered_at", "id"], name="administration_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="self_report") | Q(entered_by__isnull=False),
                name="administration_clinician_entry_has_user",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_day__isnull=True) | Q(time_point="follow_up"),
                name="administration_follow_up_day_only_at_follow_up",
            ),
            models.CheckConstraint(
                condition=Q(status="active") | ~Q(entered_in_error_reason=""),
                name="administration_entered_in_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.total} at {self.administered_at:%Y-%m-%d %H:%M}"

    def as_score_result(self) -> ScoreResult:
        """The stored result in the pure scorer's shape (for baseline-relative safety rules)."""
        return ScoreResult(
            instrument=self.instrument_code,
            version=self.definition_version,
            total=self.total,
            band=self.band or None,
            subscales=dict(self.subscales),
            flags=tuple(self.flags),
            risk=self.risk or None,
            item_values=dict(self.answers),
        )

    def time_point_label(self) -> str:
        if self.time_point == TimePoint.FOLLOW_UP and self.follow_up_day is not None:
            return f"Follow-up day {self.follow_up_day}"
        return self.get_time_point_display()
