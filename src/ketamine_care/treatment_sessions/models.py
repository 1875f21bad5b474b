"""Treatment sessions: the monitored dosing visit and its typed children.

Units are in field names. Once a session is signed nothing here changes: the services refuse
writes (`SessionAlreadySigned`), and corrections are `SessionAmendment` rows that point at the
original row, never updates or deletes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.clock import elapsed
from ketamine_care.core.labels import ROUTE
from ketamine_care.core.labels import label as display_label
from ketamine_care.core.models import PublicIdModel, TimestampedModel
from ketamine_care.dosing.labels import WEIGHT_BASES
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.session_records import (
    AdverseEvent,
    AdverseEventType,
    AlertCheckpoint,
    AmendmentKind,
    DischargeAssessment,
    Outcome,
    RemsMonitoringForm,
    SessionAmendment,
    Severity,
)

USER = settings.AUTH_USER_MODEL

__all__ = [
    "AdverseEvent",
    "AlertCheckpoint",
    "AdverseEventType",
    "AlertTier",
    "AmendmentKind",
    "DischargeAssessment",
    "DoseAdministration",
    "Outcome",
    "PreCheckSwitch",
    "PreSessionChecks",
    "RecordStatus",
    "RemsMonitoringForm",
    "SessionAlert",
    "SessionAmendment",
    "SessionQuerySet",
    "Severity",
    "TreatmentSession",
    "VitalSignsReading",
    "VitalSource",
]


class SessionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state__in=states.ACTIVE)


class TreatmentSession(PublicIdModel, TimestampedModel):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+"
    )
    protocol_id = models.CharField(max_length=64)
    drug = models.CharField(max_length=16)
    route = models.CharField(max_length=16)
    planned_visit = models.ForeignKey(
        "dosing.PlannedVisit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ad_hoc_reason = models.TextField(blank=True)
    chair_label = models.CharField(max_length=40, blank=True)
    scheduled_for = models.DateTimeField()
    state = models.CharField(
        max_length=24,
        choices=[(s, states.LABELS[s]) for s in states.STATES],
        default=states.SCHEDULED,
    )
    state_reason = models.TextField(blank=True)  # why cancelled or aborted
    checked_in_at = models.DateTimeField(null=True, blank=True)
    pre_assessment_at = models.DateTimeField(null=True, blank=True)
    dosing_at = models.DateTimeField(null=True, blank=True)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    ready_for_discharge_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    aborted_at = models.DateTimeField(null=True, blank=True)
    # Minute 0 of the session: the first esketamine device or the start of the infusion.
    dose_started_at = models.DateTimeField(null=True, blank=True)
    escort_present = models.BooleanField(null=True, blank=True)
    signed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    note_text = models.TextField(blank=True)
    signed_summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_visit__isnull=False) | ~Q(ad_hoc_reason=""),
                name="session_visit_or_ad_hoc_reason",
            ),
            # A planned visit becomes one session; a cancelled one leaves it free again.
            models.UniqueConstraint(
                fields=["planned_visit"],
                condition=Q(planned_visit__isnull=False) & ~Q(state="cancelled"),
                name="one_session_per_planned_visit",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["cancelled", "aborted"]) | ~Q(state_reason=""),
                name="session_cancel_abort_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="signed") | Q(signed_by__isnull=False, signed_at__isnull=False),
                name="session_signature_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "state"], name="session_clinic_state"),
            models.Index(fields=["clinic", "scheduled_for"], name="session_clinic_day"),
            models.Index(fields=["patient", "scheduled_for"], name="session_patient_day"),
        ]

    def __str__(self) -> str:
        return f"{self.protocol_id} session {self.scheduled_for:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.state == states.SIGNED

    @property
    def state_label(self) -> str:
        return states.LABELS[self.state]

    def minute_of(self, when) -> float | None:
        """Minutes from the start of dosing to `when` (negative before it), or None."""
        if self.dose_started_at is None:
            return None
        return round(elapsed(self.dose_started_at, when).total_seconds() / 60, 2)


class PreSessionChecks(TimestampedModel):
    """What the nurse recorded before dosing; the check statuses are computed from it."""

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="pre_checks"
    )
    screening_verdict = models.ForeignKey(
        "screening.ScreeningVerdict", on_delete=models.PROTECT, null=True, related_name="+"
    )
    weight_measurement = models.ForeignKey(
        "patients.BodyMeasurement", on_delete=models.PROTECT, null=True, related_name="+"
    )
    calculated_dose = models.JSONField(default=dict, blank=True)  # DoseResult.as_json()
    last_food_at = models.DateTimeField(null=True, blank=True)
    last_liquids_at = models.DateTimeField(null=True, blank=True)
    escort_confirmed = models.BooleanField(null=True, blank=True)
    pregnancy_test = models.CharField(
        max_length=16,
        blank=True,
        choices=[
            ("", "Not recorded"),
            ("negative", "Negative"),
            ("positive", "Positive"),
            ("not_applicable", "Not applicable"),
        ],
    )
    consent_on_file = models.BooleanField(null=True, blank=True)
    # {"benzodiazepine": bool, ..., "notes": str}; None until recorded (the REMS form's flags
    # [@spravato-rems]).
    concomitant_today = models.JSONField(null=True, blank=True)
    # {"recent_alcohol_or_drugs", "intoxication_signs", "stimulant_or_cocaine": bool,
    #  "nasal_medication_at": ISO time or None}; None until the questions are asked today.
    day_of_session = models.JSONField(null=True, blank=True)
    # [{"check", "reason", "by", "at"}], appended by override_pre_check().
    overrides = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    @property
    def calculated_dose_mg(self):
        return (self.calculated_dose or {}).get("dose_mg")


class PreCheckSwitch(TimestampedModel):
    """A pre-session check the clinic switched off (only checks whose data allows it, e.g. the
    pregnancy test), with the documented reason; no row means the check is on."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    check_key = models.CharField(max_length=40)
    reason = models.TextField()
    switched_off_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "check_key"], name="one_switch_per_check"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="switch_has_reason"),
        ]


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class DoseAdministration(PublicIdModel, TimestampedModel):
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="doses")
    drug = models.CharField(max_length=16)
    product = models.CharField(max_length=200)
    concentration_mg_per_ml = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    lot_number = models.CharField(max_length=40)
    expiry_date = models.DateField()
    dose_mg = models.DecimalField(max_digits=8, decimal_places=2)
    calculated_dose_mg = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    # The weight today's dose was calculated and checked on at the pre-session checks, never
    # above the actual weight: its basis and kg. None: not recorded (a dose recorded before
    # they were kept, or none calculated on a weight, e.g. at BMI 30 or more with no basis
    # chosen).
    weight_basis = models.CharField(
        max_length=16, null=True, blank=True, choices=list(WEIGHT_BASES.items())
    )
    weight_used_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    dose_change_reason = models.TextField(blank=True)
    route = models.CharField(max_length=16)
    infusion_started_at = models.DateTimeField(null=True, blank=True)
    infusion_ended_at = models.DateTimeField(null=True, blank=True)
    device_times = models.JSONField(default=list, blank=True)  # ISO times, one per device
    given_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    ledger_entry = models.ForeignKey(
        "inventory.LedgerEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="dose_mg_positive"),
            models.CheckConstraint(
                condition=~Q(given_by=models.F("checked_by")), name="dose_checked_by_other_user"
            ),
            # A basis is recorded with the weight it gave, or neither is.
            models.CheckConstraint(
                condition=Q(weight_basis__isnull=True, weight_used_kg__isnull=True)
                | Q(weight_basis__in=list(WEIGHT_BASES), weight_used_kg__gt=0),
                name="dose_weight_basis_with_its_weight",
            ),
        ]

    def summary_line(self) -> str:
        route = display_label(ROUTE, self.route)
        return f"{self.dose_mg} mg {self.drug} {route}, lot {self.lot_number}"


class VitalSource(models.TextChoices):
    MANUAL = "manual", "Entered by a nurse"
    DEVICE = "device", "Device"


class VitalSignsReading(PublicIdModel):
    """One set of observations. The minute since dose start is derived, never stored: the
    dose time can be recorded after pre-dose readings."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="readings")
    measured_at = models.DateTimeField()
    bp_systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    bp_diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate_per_min = models.PositiveSmallIntegerField(null=True, blank=True)
    moaas = models.PositiveSmallIntegerField("MOAA/S", null=True, blank=True)
    # Hypertensive-emergency checklist words the patient reported (readings.SYMPTOMS).
    symptoms = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=60, default=VitalSource.MANUAL)
    idempotency_key = models.CharField(max_length=120)
    # SHA-256 of the reading as sent (canonical JSON): a key reused for another reading is
    # refused (409) instead of answering 201 while storing nothing. Blank for older rows.
    payload_digest = models.CharField(max_length=64, blank=True, default="")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["measured_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "idempotency_key"], name="reading_idempotency_unique"
            ),
            models.CheckConstraint(
                condition=Q(bp_systolic_mmhg__isnull=True)
                | Q(bp_diastolic_mmhg__isnull=True)
                | Q(bp_diastolic_mmhg__lt=models.F("bp_systolic_mmhg")),
                name="reading_diastolic_below_systolic",
            ),
            models.CheckConstraint(
                condition=Q(moaas__isnull=True) | Q(moaas__lte=5), name="reading_moaas_0_5"
            ),
        ]
        indexes = [models.Index(fields=["session", "measured_at"], name="reading_timeline")]

    def summary_line(self) -> str:
        parts = []
        if self.bp_systolic_mmhg is not None:
            parts.append(f"BP {self.bp_systolic_mmhg}/{self.bp_diastolic_mmhg or '–'} mmHg")
        for label, value, unit in (
            ("HR", self.heart_rate_bpm, "/min"),
            ("SpO2", self.spo2_percent, "%"),
            ("RR", self.respiratory_rate_per_min, "/min"),
            ("MOAA/S", self.moaas, ""),
        ):
            if value is not None:
                parts.append(f"{label} {value}{unit}")
        if self.symptoms:
            from ketamine_care.treatment_sessions.readings import SYMPTOMS

            parts.append(
                "symptoms: " + ", ".join(SYMPTOMS.get(s, s).lower() for s in self.symptoms)
            )
        return ", ".join(parts)


class AlertTier(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    URGENT = "urgent", "Urgent"


class SessionAlert(PublicIdModel):
    """An alert raised by `alerts.evaluate_alerts` (one row per rule and triggering reading),
    or by a serious adverse event (`adverse_event` set; shown to the medical director)."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="alerts")
    rule = models.CharField(max_length=64)
    tier = models.CharField(max_length=8, choices=AlertTier.choices)
    minute = models.FloatField(null=True, blank=True)
    triggered_at = models.DateTimeField()
    message = models.TextField()
    action = models.TextField()
    source = models.TextField()
    evidence = models.CharField(max_length=32, blank=True)
    observed = models.JSONField(default=dict, blank=True)
    # The alert thresholds that raised it: the digest of the session's protocol version's
    # pinned thresholds (protocols.pinning). Blank for adverse-event alerts.
    thresholds_digest = models.CharField(max_length=64, blank=True)
    adverse_event = models.ForeignKey(
        "AdverseEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    action_taken = models.TextField(blank=True)

    class Meta:
        ordering = ["triggered_at", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "rule", "triggered_at"], name="session_alert_once_per_key"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | (Q(acknowledged_by__isnull=False) & ~Q(action_taken="")),
                name="session_alert_ack_has_action",
            ),
        ]
        # The navigation badge counts the clinic's open alerts on every page: few are open.
        indexes = [
            models.Index(
                fields=["session"],
                condition=Q(acknowledged_at__isnull=True),
                name="session_alert_open",
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
