"""The records kept after the dose: adverse events, amendments to a signed note, and the
SPRAVATO REMS monitoring form. Re-exported by `treatment_sessions.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel

USER = settings.AUTH_USER_MODEL


class AdverseEventType(models.TextChoices):
    NAUSEA = "nausea", "Nausea"
    VOMITING = "vomiting", "Vomiting"
    HYPERTENSION = "hypertension", "Hypertension"
    DISSOCIATION = "dissociation", "Dissociation"
    EMERGENCE_REACTION = "emergence_reaction", "Emergence reaction"
    RESPIRATORY_DEPRESSION = "respiratory_depression", "Respiratory depression"
    CYSTITIS_SYMPTOMS = "cystitis_symptoms", "Cystitis symptoms"
    SEDATION = "sedation", "Sedation"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Outcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    RESOLVING = "resolving", "Resolving"
    ONGOING = "ongoing", "Ongoing"
    TRANSFERRED = "transferred", "Transferred to emergency care"


class AdverseEvent(PublicIdModel, TimestampedModel):
    session = models.ForeignKey(
        "TreatmentSession", on_delete=models.PROTECT, related_name="adverse_events"
    )
    event_type = models.CharField(max_length=32, choices=AdverseEventType.choices)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    serious = models.BooleanField(default=False)
    onset_at = models.DateTimeField()
    action_taken = models.TextField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["onset_at", "id"]

    def summary_line(self) -> str:
        serious = " (serious)" if self.serious else ""
        return (
            f"{self.get_event_type_display()}{serious}, {self.get_severity_display().lower()}: "
            f"{self.action_taken}; {self.get_outcome_display().lower()}"
        )


class AmendmentKind(models.TextChoices):
    AMENDMENT = "amendment", "Amendment"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class SessionAmendment(PublicIdModel):
    """A correction of a signed session. It points at the row it corrects (`target_type`,
    `target_id`) or at the note itself; the original stays as it was signed."""

    session = models.ForeignKey(
        "TreatmentSession", on_delete=models.PROTECT, related_name="amendments"
    )
    kind = models.CharField(max_length=20, choices=AmendmentKind.choices)
    target_type = models.CharField(max_length=32)  # note | reading | dose | adverse_event
    target_id = models.UUIDField(null=True, blank=True)
    text = models.TextField(blank=True)
    reason = models.TextField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]


class RemsMonitoringForm(TimestampedModel):
    """The SPRAVATO REMS Patient Monitoring Form for one esketamine session [@spravato-rems].
    `values` holds the form's fields; `submitted_*` records how it reached the REMS."""

    session = models.OneToOneField(
        "TreatmentSession", on_delete=models.PROTECT, related_name="rems_form"
    )
    values = models.JSONField(default=dict)
    due_date = models.DateField()
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    submission_method = models.CharField(
        max_length=16, blank=True, choices=[("online", "Online"), ("fax", "Fax")]
    )
    submission_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["due_date"], name="rems_due")]


class DischargeAssessment(PublicIdModel, TimestampedModel):
    """What the nurse confirmed when the patient left: the recovery score the protocol asks
    for (copied from the latest administration, with the protocol's pass mark), who takes the
    patient home, and the instructions given. One per session; written by `discharge_patient`
    in the transaction that discharges the session."""

    session = models.OneToOneField(
        "treatment_sessions.TreatmentSession",
        on_delete=models.PROTECT,
        related_name="discharge_assessment",
    )
    recovery_instrument = models.CharField(max_length=32, blank=True)
    recovery_score = models.PositiveSmallIntegerField(null=True, blank=True)
    recovery_pass_mark = models.FloatField(null=True, blank=True)
    escort_name = models.CharField(max_length=200, blank=True)
    # Keys of data/discharge_instructions.json given to the patient, in that file's order.
    instructions = models.JSONField(default=list, blank=True)
    other_instructions = models.TextField(blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")


class AlertCheckpoint(models.Model):
    """Where every alert rule of a session stood after its readings up to `through_at`
    (`alerts.RuleState` per rule, as JSON), so a new batch is evaluated from the last
    checkpoint before it instead of from the first reading (services.alerting). Derived
    data: `basis` is the digest of the rules and minute 0 it was computed under; a
    checkpoint of another basis is never resumed from."""

    session = models.ForeignKey(
        "treatment_sessions.TreatmentSession",
        on_delete=models.CASCADE,
        related_name="alert_checkpoints",
    )
    through_at = models.DateTimeField()
    basis = models.CharField(max_length=64)
    # {rule id: {"start_at": ISO time, "fired": bool, "reading": {measure: value}}} for the
    # rules with an open episode; a rule not named has none.
    states = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["session", "through_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "through_at"], name="alert_checkpoint_once_per_time"
            )
        ]

    def __str__(self) -> str:
        return f"alert checkpoint through {self.through_at:%Y-%m-%d %H:%M:%S}"
