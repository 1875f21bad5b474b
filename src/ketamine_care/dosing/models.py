"""Treatment plans: a course planned under one pinned protocol version, visit by visit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class TreatmentPlan(PublicIdModel, TimestampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+"
    )
    protocol_id = models.CharField(max_length=64)
    screening_verdict = models.ForeignKey(
        "screening.ScreeningVerdict", on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField()
    clinic_days = models.CharField(max_length=40)  # "mon,tue,wed,thu,fri"
    horizon_weeks = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    reviews = models.JSONField(default=list)  # [{"after_visit", "date", "purpose"}]
    warnings = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.protocol_id} from {self.start_date}"


class PlannedVisit(PublicIdModel, TimestampedModel):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="visits")
    number = models.PositiveSmallIntegerField()
    date = models.DateField()
    planned_date = models.DateField()  # as first planned; differs from `date` once moved
    phase = models.CharField(
        max_length=16, choices=[("induction", "Induction"), ("maintenance", "Maintenance")]
    )
    dose = models.JSONField()  # the planner's dose object (value, unit, options, text)
    assessments = models.JSONField(default=list)
    # Closest this visit may follow the previous one (the protocol block's min_gap_days).
    min_gap_days = models.PositiveSmallIntegerField()
    # The protocol block's condition (e.g. "Responders only ..."): the visit is conditional
    # until a review confirms it (`condition_confirmed_at`).
    condition = models.CharField(max_length=300, blank=True, default="")
    condition_confirmed_at = models.DateTimeField(null=True, blank=True)
    condition_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="visit_number_unique"),
            models.CheckConstraint(condition=Q(min_gap_days__gte=1), name="visit_gap_positive"),
        ]
        indexes = [models.Index(fields=["date"], name="visit_date")]

    def __str__(self) -> str:
        return f"visit {self.number} on {self.date}"

    @property
    def was_moved(self) -> bool:
        return self.date != self.planned_date

    @property
    def is_conditional(self) -> bool:
        """Planned on a condition no review has confirmed yet."""
        return bool(self.condition) and self.condition_confirmed_at is None
