"""The per-course summary table the clinic outcomes dashboard counts from.

One row per course (treatment plan), rebuilt in bulk by `services.refresh_summaries` (a job
runs it; writes that change a course mark its row stale). The outcome facts are nullable
booleans: NULL means "not analysable at that point" (no baseline, no rating in the window, the
time point not reached), never "no response". docs/RESEARCH.md defines every column.
"""

from __future__ import annotations

from django.db import models


class CourseSummary(models.Model):
    # Cohort keys.
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    plan = models.OneToOneField(
        "dosing.TreatmentPlan", on_delete=models.CASCADE, related_name="course_summary"
    )
    protocol_id = models.CharField(max_length=64)
    indication = models.CharField(max_length=64)
    sex = models.CharField(max_length=16)
    age_at_start = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    # Outcome facts.
    instrument = models.CharField(max_length=32, blank=True)
    baseline_total = models.FloatField(null=True)
    first_session_date = models.DateField(null=True)
    sessions = models.PositiveIntegerField(default=0)
    induction_end_date = models.DateField(null=True)
    followup_days = models.IntegerField(null=True)
    response_induction = models.BooleanField(null=True)
    remission_induction = models.BooleanField(null=True)
    response_3m = models.BooleanField(null=True)
    remission_3m = models.BooleanField(null=True)
    response_6m = models.BooleanField(null=True)
    remission_6m = models.BooleanField(null=True)
    response_12m = models.BooleanField(null=True)
    remission_12m = models.BooleanField(null=True)
    first_response_day = models.IntegerField(null=True)
    observed_days = models.IntegerField(null=True)
    relapse_event = models.BooleanField(null=True)
    relapse_days = models.IntegerField(null=True)
    early_4h = models.BooleanField(null=True)
    early_24h = models.BooleanField(null=True)
    early_day7 = models.BooleanField(null=True)
    analysable = models.BooleanField(default=False)
    expected_measures = models.PositiveIntegerField(default=0)
    received_measures = models.PositiveIntegerField(default=0)
    # Safety facts (sessions held, adverse events, blood-pressure alerts, peak CADSS).
    adverse_events = models.PositiveIntegerField(default=0)
    bp_alerts = models.PositiveIntegerField(default=0)
    cadss_peak = models.FloatField(null=True)
    # Bookkeeping: a write that changes the course sets `stale`; a refresh clears it.
    stale = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "protocol_id", "start_date"], name="course_summary_cohort"
            ),
            models.Index(fields=["clinic", "start_date"], name="course_summary_clinic_start"),
            models.Index(
                fields=["clinic"], name="course_summary_stale", condition=models.Q(stale=True)
            ),
        ]

    def __str__(self) -> str:
        return f"course summary of plan {self.plan_id}"
