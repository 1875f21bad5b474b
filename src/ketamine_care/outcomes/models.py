"""Safety alerts raised by rating-scale results, and each clinic's safety configuration."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel
from ketamine_care.outcomes.crisis import DEFAULT_CRISIS_PROTOCOL, DEFAULT_CRISIS_RESOURCES


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"


SEVERITY_ORDER = {"critical": 0, "high": 1, "moderate": 2, "low": 3}


class SafetyAlertQuerySet(models.QuerySet):
    def open(self) -> SafetyAlertQuerySet:
        return self.filter(status=AlertStatus.OPEN)


class SafetyAlert(PublicIdModel, TimestampedModel):
    """One firing of a clinic safety rule by one administration. Acknowledged, never deleted."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    administration = models.ForeignKey(
        "instruments.Administration", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    rule_id = models.CharField(max_length=80)
    rule_set_version = models.CharField(max_length=32)
    # SHA-256 of the safety rules, clinic values applied (SafetyRuleSet.digest), that raised
    # it. Blank for alerts raised before digests were stored.
    rule_set_digest = models.CharField(max_length=64, blank=True)
    instrument_code = models.CharField(max_length=32)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    message = models.TextField()
    observed = models.CharField(max_length=40, blank=True)
    threshold = models.CharField(max_length=40, blank=True)
    patient_crisis_screen = models.BooleanField(default=False)
    care_team_task = models.TextField(blank=True)
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    unconfigured = models.BooleanField(default=False)
    source = models.TextField()
    evidence = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    objects = SafetyAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status", "created_at"], name="alert_clinic_queue"),
            models.Index(fields=["patient", "status"], name="alert_patient_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open")
                | (
                    Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False)
                    & ~Q(acknowledgement_note="")
                ),
                name="alert_acknowledgement_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN


class ClinicSafetySettings(TimestampedModel):
    """Per-clinic safety configuration. Blank texts fall back to the shipped defaults;
    `rule_values` sets rule thresholds by rule id (e.g. the CADSS discharge threshold), and
    `outcome_overrides` edits outcomes/defaults.json in the same shape."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="safety_settings"
    )
    crisis_resources_text = models.TextField(
        blank=True, help_text="Shown to a patient whose self-report raises a crisis screen."
    )
    crisis_protocol_text = models.TextField(
        blank=True, help_text="Shown to clinicians on a high-risk C-SSRS result."
    )
    rule_values = models.JSONField(default=dict, blank=True)
    outcome_overrides = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Safety settings of {self.clinic}"

    @property
    def crisis_resources(self) -> str:
        return self.crisis_resources_text.strip() or DEFAULT_CRISIS_RESOURCES

    @property
    def crisis_protocol(self) -> str:
        return self.crisis_protocol_text.strip() or DEFAULT_CRISIS_PROTOCOL


# Stanley & Brown 2012: the six standard steps of a safety plan, and reasons for living
# (optional). (field, label, what goes there)
SAFETY_PLAN_SECTIONS = (
    (
        "warning_signs",
        "Warning signs",
        "Thoughts, images, moods, situations or behaviours that a crisis may be developing.",
    ),
    (
        "internal_coping",
        "Internal coping strategies",
        "Things I can do on my own to take my mind off my problems.",
    ),
    (
        "social_distraction",
        "People and social settings that provide distraction",
        "Names, phone numbers and places.",
    ),
    ("people_to_ask", "People I can ask for help", "Names and phone numbers."),
    (
        "professionals",
        "Professionals and agencies to contact in a crisis",
        "Clinicians, the clinic's crisis line, the 988 Suicide & Crisis Lifeline (call or text "
        "988) and emergency services.",
    ),
    (
        "environment_safety",
        "Making the environment safe",
        "How access to lethal means is limited, and who helps.",
    ),
)
SAFETY_PLAN_OPTIONAL = (("reasons_for_living", "Reasons for living", "Optional."),)
REQUIRED_SECTIONS = tuple(name for name, _, _ in SAFETY_PLAN_SECTIONS)
SAFETY_PLAN_FIELDS = REQUIRED_SECTIONS + tuple(name for name, _, _ in SAFETY_PLAN_OPTIONAL)


class SafetyPlan(PublicIdModel, TimestampedModel):
    """One version of a patient's Stanley-Brown safety plan. A review writes a new version
    that points at the one it reviewed; no version is ever changed (Stanley & Brown 2012)."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="safety_plans"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="safety_plans"
    )
    version = models.PositiveIntegerField()
    based_on = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="review"
    )
    reviewed_on = models.DateField(help_text="The date this version was written or reviewed.")
    warning_signs = models.TextField()
    internal_coping = models.TextField()
    social_distraction = models.TextField()
    people_to_ask = models.TextField()
    professionals = models.TextField()
    environment_safety = models.TextField()
    reasons_for_living = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="safety_plan_version"),
            models.CheckConstraint(
                condition=Q(version=1, based_on__isnull=True)
                | Q(version__gt=1, based_on__isnull=False),
                name="safety_plan_review_names_its_version",
            ),
            *(
                models.CheckConstraint(condition=~Q(**{name: ""}), name=f"safety_plan_{name}")
                for name in REQUIRED_SECTIONS
            ),
        ]

    def __str__(self) -> str:
        return f"Safety plan v{self.version} of {self.patient_id}"

    def sections(self) -> list[tuple[str, str, list[str]]]:
        """(label, help, lines) per section in Stanley-Brown order, optional ones if filled."""
        out = []
        for name, label, help_text in SAFETY_PLAN_SECTIONS + SAFETY_PLAN_OPTIONAL:
            lines = [line.strip() for line in getattr(self, name).splitlines() if line.strip()]
            if lines or name in REQUIRED_SECTIONS:
                out.append((label, help_text, lines))
        return out


class OutcomeSnapshot(models.Model):
    """One instrument's outcome summary for one patient (`outcomes.summaries`): derived data,
    never a clinical record. Refreshed when a rating is recorded; a read compares
    `fingerprint` with the rows and rules it would be computed from now, and recomputes it
    when they differ, so a stale summary is never shown."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    instrument_code = models.CharField(max_length=32)
    fingerprint = models.CharField(max_length=64)
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument_code"], name="outcome_snapshot_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} outcome summary"
