"""Single-patient self-report links. Only a hash of the link's secret is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class SelfReportLink(PublicIdModel, TimestampedModel):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="self_report_links"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    instrument_codes = models.JSONField(help_text="Self-report instrument codes, in form order.")
    # None: made by the scheduled-measures job (`portal/measures.py`), not by a person.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # An e-mailed reminder carries its own secret (made when the mail is sent, stored only as
    # this hash), so the first link keeps working; answering through either uses the link.
    reminder_queued_at = models.DateTimeField(null=True, blank=True)
    reminder_token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="self_report_link_used_or_revoked_not_both",
            )
        ]

    def __str__(self) -> str:
        return (
            f"Self-report link for patient {self.patient_id} ({', '.join(self.instrument_codes)})"
        )

    def is_usable_at(self, moment) -> bool:
        return self.used_at is None and self.revoked_at is None and moment < self.expires_at

    def status_at(self, moment) -> str:
        """ "completed" (answered), "revoked", "expired" (never answered) or "outstanding"."""
        if self.used_at is not None:
            return "completed"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if moment >= self.expires_at else "outstanding"


class ContactPreference(TimestampedModel):
    """How a patient agreed to be contacted between visits. No row, or consent withdrawn,
    means nothing is sent (fail safe)."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="contact_preference"
    )
    consent_to_contact = models.BooleanField(default=False)
    by_email = models.BooleanField(default=True)
    by_sms = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Contact preference of patient {self.patient_id}"


class MeasureSettings(TimestampedModel):
    """The clinic's choices for scheduled measures and messages; without a row the labelled
    defaults of `portal/measure_rules.py` apply."""

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    quiet_start = models.TimeField()
    quiet_end = models.TimeField()
    instruments = models.JSONField(help_text="Self-report codes asked on every scheduled request.")
    show_scores_to_patient = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Measure settings of clinic {self.clinic_id}"


class MeasureKind(models.TextChoices):
    PRE_VISIT = "pre_visit", "Before a visit"
    AFTER_SESSION_1D = "after_session_1d", "Day after a session"
    AFTER_SESSION_7D = "after_session_7d", "Seven days after a session"
    FOLLOW_UP = "follow_up", "Follow-up"


class MeasureRequest(PublicIdModel, TimestampedModel):
    """One scheduled self-report request. Its state (`state_at`) is due, sent, opened,
    completed or expired; `held` says why a due request was not sent (consent, contact)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="measure_requests"
    )
    session = models.ForeignKey(
        "treatment_sessions.TreatmentSession", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=MeasureKind.choices)
    instrument_codes = models.JSONField()
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    link = models.OneToOneField(
        SelfReportLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="request"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)
    held = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind"], name="measure_request_one_per_session_kind"
            )
        ]
        indexes = [models.Index(fields=["clinic", "due_at"], name="measure_request_clinic_due")]

    def __str__(self) -> str:
        return f"{self.kind} request for patient {self.patient_id}"

    def state_at(self, moment) -> str:
        """ "completed", "expired", "opened", "sent" or "due"."""
        if self.link_id is not None and self.link.used_at is not None:
            return "completed"
        if moment >= self.expires_at:
            return "expired"
        if self.opened_at is not None:
            return "opened"
        return "sent" if self.sent_at is not None else "due"


class MessageKind(models.TextChoices):
    VISIT_INSTRUCTIONS = "visit_instructions", "Visit instructions"
    DISCHARGE = "discharge", "After-session instructions"


class PatientMessage(PublicIdModel, TimestampedModel):
    """Instructions sent before a visit or after a session. The message itself carries a
    first name, a time and a link; the instructions are on the page behind the link."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_messages"
    )
    session = models.ForeignKey(
        "treatment_sessions.TreatmentSession", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)
    held = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind"], name="patient_message_one_per_session_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} message for patient {self.patient_id}"
