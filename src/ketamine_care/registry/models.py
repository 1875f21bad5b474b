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
    # The patient's course summaries in all (1 for most): a patient with one course falls in
    # exactly one cohort cell, so the cube counts them as patients (cube.py).
    patient_courses = models.PositiveIntegerField(default=1, db_default=1)
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
            models.Index(
                fields=["clinic"],
                name="course_summary_multi",
                condition=models.Q(patient_courses__gt=1),
            ),
        ]

    def __str__(self) -> str:
        return f"course summary of plan {self.plan_id}"


class CourseDoseBin(models.Model):
    """A course's ketamine doses per band of mg/kg (`aggregates.DOSE_BIN` wide): what the
    dashboard's dose histogram counts, stored by the refresh so the dashboard never joins the
    session tables (`dosebins.py`)."""

    summary = models.ForeignKey(CourseSummary, on_delete=models.CASCADE, related_name="dose_bins")
    bin = models.IntegerField()
    doses = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["summary", "bin"], name="course_dose_bin_unique")
        ]

    def __str__(self) -> str:
        return f"{self.doses} doses in bin {self.bin} of summary {self.summary_id}"


class CohortCell(models.Model):
    """The cohort cube (`cube.py`): one additive figure of one cohort cell, i.e. the clinic's
    single-course patients of one protocol, indication, sex, age band and start month.
    `figure` names the count (e.g. "c:analysable", "relapse:1"), `key` its day or bin (0
    when it has none), `n` the count (for "refreshed": the newest row's time, as epoch
    microseconds). Summing cells gives the figures of any cohort of whole months."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(default=0)  # 0: a cell; 1: a protocol's total
    protocol_id = models.CharField(max_length=64)
    indication = models.CharField(max_length=64)
    sex = models.CharField(max_length=16)
    age_band = models.CharField(max_length=8)
    start_month = models.DateField()
    figure = models.CharField(max_length=32)
    key = models.IntegerField(default=0)
    n = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "level", "protocol_id", "start_month"], name="cohort_cell_cohort"
            )
        ]
        # One row per figure of a cell: a refresh batch adds its changes to the rows by
        # upsert on this key (`cube_delta.py`).
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "clinic", "level", "protocol_id", "indication", "sex", "age_band",
                    "start_month", "figure", "key",
                ],
                name="cohort_cell_unique",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.figure}[{self.key}] = {self.n}"


class CohortCube(models.Model):
    """Whether a clinic's cube is current. A refresh batch keeps a current cube current: it
    changes the cells in the transaction that writes the summaries (`cube_delta.py`); its
    row is the lock that orders the batches and the rebuilds of one clinic. A deletion of
    summaries outside the job clears `current`; a rebuild from the summaries sets it. The
    dashboard reads the cube only when current, and the summaries otherwise. `built_at`:
    when the cells last changed (a rebuild or a batch)."""

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    current = models.BooleanField(default=False)
    built_at = models.DateTimeField(null=True)
    cells = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"cohort cube of clinic {self.clinic_id} ({'current' if self.current else 'stale'})"
