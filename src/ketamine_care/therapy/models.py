"""Psychotherapy and integration (KAP): therapy sessions, their signed notes, amendments,
the risk alerts a positive risk check raises, and each clinic's caseload windows.

A note is a draft until its therapist signs it; after that nothing in it changes: corrections
are `TherapyAmendment` rows, as for the dosing session's note (`SessionAmendment`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel

USER = settings.AUTH_USER_MODEL


class SessionKind(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    DOSING_SUPPORT = "dosing_support", "Dosing-day support"
    INTEGRATION = "integration", "Integration"


class RiskCheck(models.TextChoices):
    NO_CONCERN = "no_concern", "No suicidal thoughts or behaviour reported"
    CONCERN = "concern", "Suicidal thoughts or behaviour reported"


NOTE_FIELDS = ("intentions", "experience", "integration_themes", "homework")


class TherapySession(PublicIdModel, TimestampedModel):
    """One psychotherapy session of a KAP course, linked to the patient's treatment plan (the
    course) and, where it belongs to one, to a dosing session (by its date only)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="therapy_sessions"
    )
    plan = models.ForeignKey(
        "dosing.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dosing_session = models.ForeignKey(
        "treatment_sessions.TreatmentSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=SessionKind.choices)
    held_on = models.DateField()
    therapist = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    intentions = models.TextField(blank=True)
    experience = models.TextField(blank=True)
    integration_themes = models.TextField(blank=True)
    homework = models.TextField(blank=True)
    risk_check = models.CharField(max_length=16, choices=RiskCheck.choices, blank=True)
    risk_details = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["preparation", "dosing_support", "integration"]),
                name="therapy_session_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="dosing_support") | Q(dosing_session__isnull=False),
                name="therapy_dosing_support_has_session",
            ),
            models.CheckConstraint(
                condition=~Q(risk_check="concern") | ~Q(risk_details=""),
                name="therapy_risk_concern_described",
            ),
            # A signed note names its signer and time, and always carries a risk check.
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | (Q(signed_at__isnull=False, signed_by__isnull=False) & ~Q(risk_check="")),
                name="therapy_signature_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "held_on"], name="therapy_patient_day"),
            models.Index(fields=["clinic", "kind", "held_on"], name="therapy_clinic_kind_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class TherapyAmendment(PublicIdModel):
    """A correction or addition to a signed note; the note stays as it was signed."""

    therapy_session = models.ForeignKey(
        TherapySession, on_delete=models.PROTECT, related_name="amendments"
    )
    text = models.TextField()
    reason = models.TextField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="therapy_amendment_has_reason"),
            models.CheckConstraint(condition=~Q(text=""), name="therapy_amendment_has_text"),
        ]


class RiskAlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class TherapyRiskAlert(PublicIdModel, TimestampedModel):
    """Raised when a therapist's risk check reports suicidal thoughts or behaviour; shown on
    the clinic's safety alerts (core.alert_feed) until a clinician acknowledges it."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    therapy_session = models.ForeignKey(
        TherapySession, on_delete=models.PROTECT, related_name="risk_alerts"
    )
    details = models.TextField()
    status = models.CharField(
        max_length=16, choices=RiskAlertStatus.choices, default=RiskAlertStatus.OPEN
    )
    acknowledged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open")
                | (
                    Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False)
                    & ~Q(acknowledgement_note="")
                ),
                name="therapy_alert_acknowledgement_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "status", "created_at"], name="therapy_alert_queue"),
        ]

    @property
    def is_open(self) -> bool:
        return self.status == RiskAlertStatus.OPEN


class CaseloadSettings(TimestampedModel):
    """The clinic's caseload windows; no row means the shipped defaults (defaults.json)."""

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    upcoming_days = models.PositiveSmallIntegerField()
    integration_days = models.PositiveSmallIntegerField()
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
