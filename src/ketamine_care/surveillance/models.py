"""Long-term surveillance records: each check done (bladder review, liver tests, cognitive
screen, misuse review, urine drug screen, exposure review), liver lab results with their
LOINC codes, and the alerts a positive check raises with its pathway. Records are
append-only clinical rows: written by `services`, audited, never updated or deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel

USER = settings.AUTH_USER_MODEL


class CheckKind(models.TextChoices):
    BLADDER_REVIEW = "bladder_review", "Bladder-symptom review"
    LIVER_TESTS = "liver_tests", "Liver tests"
    COGNITIVE_SCREEN = "cognitive_screen", "Cognitive screen"
    MISUSE_REVIEW = "misuse_review", "Misuse review"
    URINE_DRUG_SCREEN = "urine_drug_screen", "Urine drug screen"
    EXPOSURE_REVIEW = "exposure_review", "Cumulative exposure review"


class DrugScreenResult(models.TextChoices):
    NEGATIVE = "negative", "Negative (as expected)"
    POSITIVE = "positive", "Positive for an unexpected substance"
    DECLINED = "declined", "Declined or not given"


class SurveillanceCheck(PublicIdModel, TimestampedModel):
    """One surveillance check done on `done_on`; the columns of its kind are filled."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="surveillance_checks"
    )
    kind = models.CharField(max_length=24, choices=CheckKind.choices)
    done_on = models.DateField()
    # Bladder-symptom review: the ICSI administration and blood in the urine.
    administration = models.ForeignKey(
        "instruments.Administration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    haematuria = models.BooleanField(null=True, blank=True)
    # Cognitive screen: a licensed instrument's name and total only, never its items.
    cognitive_instrument = models.CharField(max_length=24, blank=True)
    cognitive_total = models.PositiveSmallIntegerField(null=True, blank=True)
    # Misuse review: the signals the clinician asked about.
    early_requests = models.BooleanField(null=True, blank=True)
    dose_escalation = models.BooleanField(null=True, blank=True)
    craving = models.BooleanField(null=True, blank=True)
    # Urine drug screen.
    drug_screen_result = models.CharField(
        max_length=16, choices=DrugScreenResult.choices, blank=True
    )
    drug_screen_detail = models.CharField(max_length=200, blank=True)
    # Exposure review: the figures the clinician reviewed (exposure.as_report(): with the
    # sessions whose dose was unknown; reviews stored before hold the four figures only).
    exposure = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-done_on", "-id"]
        indexes = [
            models.Index(fields=["patient", "kind", "done_on"], name="surv_check_patient_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="bladder_review")
                | Q(administration__isnull=False, haematuria__isnull=False),
                name="surv_bladder_review_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="cognitive_screen")
                | (~Q(cognitive_instrument="") & Q(cognitive_total__isnull=False)),
                name="surv_cognitive_screen_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="urine_drug_screen") | ~Q(drug_screen_result=""),
                name="surv_drug_screen_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.done_on:%Y-%m-%d}"


class LabResult(PublicIdModel, TimestampedModel):
    """One laboratory value of a liver-test check, coded in LOINC with a UCUM unit."""

    check_row = models.ForeignKey(
        SurveillanceCheck, on_delete=models.PROTECT, related_name="lab_results"
    )
    loinc = models.CharField(max_length=16)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    unit = models.CharField(max_length=16)  # UCUM
    # The reporting laboratory's upper reference limit, as printed (None: not given).
    upper_limit = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="surv_lab_value_not_negative"),
            models.UniqueConstraint(fields=["check_row", "loinc"], name="surv_one_value_per_test"),
        ]

    @property
    def above_upper_limit(self) -> bool:
        return self.upper_limit is not None and self.value > self.upper_limit


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class SurveillanceAlert(PublicIdModel):
    """A positive surveillance check: the rule, its words, the pathway and its source."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="surveillance_alerts"
    )
    check_row = models.ForeignKey(
        SurveillanceCheck, on_delete=models.PROTECT, related_name="alerts"
    )
    rule = models.CharField(max_length=40)
    tier = models.CharField(max_length=12)  # core.alert_feed tiers
    message = models.TextField()
    pathway = models.TextField()
    source = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    acknowledged_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status"], name="surv_alert_clinic_status"),
        ]

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN
