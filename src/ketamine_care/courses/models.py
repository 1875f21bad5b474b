"""A prescriber's decision on a course-review recommendation: accepted (the plan's remaining
visits re-spaced through the audited visit moves) or declined with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class Decision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class CourseDecision(PublicIdModel, TimestampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="course_decisions"
    )
    plan = models.ForeignKey(
        "dosing.TreatmentPlan", on_delete=models.PROTECT, related_name="course_decisions"
    )
    reviewed_on = models.DateField()  # the review's "today" in the clinic's time zone
    state = models.CharField(max_length=32)
    action = models.CharField(max_length=40)
    reasons = models.JSONField(default=list)  # [{"rule", "message", "source"}] as shown
    every_days = models.PositiveSmallIntegerField()
    target_every_days = models.PositiveSmallIntegerField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.TextField(blank=True)  # required when declined
    visits_moved = models.JSONField(default=list)  # [{"visit", "old", "new"}]
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="declined") | ~Q(reason=""),
                name="course_decline_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "-decided_at"], name="course_decision_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.decision} on {self.reviewed_on}"
