from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from ketamine_care.core.api_schema import DictSchema
from ketamine_care.core.bounds import MG_MAX, SMALL_INT_MAX, WEIGHT_MAX
from ketamine_care.inventory.schemas import Password


class SessionIn(Schema):
    patient_id: UUID
    protocol_version_id: UUID
    planned_visit_id: UUID | None = None
    ad_hoc_reason: str = Field(default="", max_length=2000)
    route: str = Field(default="", max_length=16)
    chair_label: str = Field(default="", max_length=40)
    scheduled_for: datetime | None = None


class CheckInIn(Schema):
    chair_label: str = Field(default="", max_length=40)


class TransitionIn(Schema):
    to: str = Field(max_length=24)
    reason: str = Field(default="", max_length=2000)
    escort_present: bool | None = None


class ConcomitantIn(Schema):
    benzodiazepine: bool = False
    non_benzodiazepine_sedative_hypnotic: bool = False
    psychostimulant: bool = False
    maoi: bool = False
    opioid: bool = False
    notes: str = Field(default="", max_length=500)


class DayOfSessionIn(Schema):
    recent_alcohol_or_drugs: bool
    intoxication_signs: bool
    stimulant_or_cocaine: bool
    nasal_medication_at: datetime | None = None


class PreChecksIn(Schema):
    weight_kg: Decimal | None = Field(default=None, ge=-WEIGHT_MAX, le=WEIGHT_MAX)
    # The nurse checked an adult weight outside the plausible range (refused without it).
    confirm_weight: bool = False
    last_food_at: datetime | None = None
    last_liquids_at: datetime | None = None
    escort_confirmed: bool | None = None
    pregnancy_test: Literal["negative", "positive", "not_applicable"] | None = None
    consent_on_file: bool | None = None
    concomitant: ConcomitantIn | None = None
    day_of_session: DayOfSessionIn | None = None
    # The weight today's dose is calculated on; "" clears the one chosen, left out keeps it.
    weight_basis: Literal["actual", "ideal", "adjusted", ""] | None = None


class PreCheckOverrideIn(Schema):
    check: str = Field(max_length=40)
    reason: str = Field(min_length=1, max_length=2000)


class SessionDoseIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)  # blank text counts as missing

    dose_mg: Decimal = Field(gt=0, le=MG_MAX)
    checked_by_email: str = Field(max_length=254)
    # The second clinician's own password, as typed (never stripped): they confirm in person.
    checked_by_password: Password = Field(default="", max_length=256)
    lot_id: UUID | None = None
    product: str = Field(default="", max_length=200)
    concentration_mg_per_ml: Decimal | None = Field(default=None, gt=0, le=MG_MAX)
    lot_number: str = Field(default="", max_length=40)
    expiry_date: date | None = None
    dose_change_reason: str = Field(default="", max_length=2000)
    infusion_started_at: datetime | None = None
    infusion_ended_at: datetime | None = None
    device_times: list[datetime] = Field(default_factory=list, max_length=10)


# Plausibility limits are the service's (readings.py, 422 naming reading and field); this
# only keeps a number the column cannot hold from reaching the database.
Vital = Field(default=None, ge=0, le=SMALL_INT_MAX)


class ReadingIn(DictSchema):
    measured_at: datetime
    bp_systolic_mmhg: int | None = Vital
    bp_diastolic_mmhg: int | None = Vital
    heart_rate_bpm: int | None = Vital
    spo2_percent: int | None = Vital
    respiratory_rate_per_min: int | None = Vital
    moaas: int | None = Vital
    # Checklist words (severe_headache, chest_pain, dyspnea, focal_neuro_deficit,
    # visual_change, confusion); the service names an unknown one as readings[i].symptoms.
    symptoms: list[str] = Field(default_factory=list, max_length=20)
    source: str = Field(default="", max_length=60)
    idempotency_key: str = Field(default="", max_length=120)


class VitalsBatchIn(DictSchema):
    idempotency_key: str = Field(min_length=1, max_length=100)
    source: str = Field(default="device", max_length=60)
    readings: list[ReadingIn] = Field(min_length=1, max_length=1000)


class SessionAlertAcknowledgeIn(Schema):
    action_taken: str = Field(min_length=1, max_length=2000)


class AdverseEventIn(Schema):
    event_type: str = Field(max_length=32)
    severity: str = Field(max_length=16)
    serious: bool = False
    description: str = Field(default="", max_length=2000)
    action_taken: str = Field(min_length=1, max_length=2000)
    outcome: str = Field(max_length=16)
    onset_at: datetime | None = None


class DischargeIn(Schema):
    """The discharge assessment; `instructions` are keys of the clinic's discharge list."""

    escort_name: str = Field(default="", max_length=200)
    instructions: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=20
    )
    other_instructions: str = Field(default="", max_length=2000)
    confirmed: bool = False


class SignIn(Schema):
    note: str = Field(default="", max_length=20000)


class AmendmentIn(Schema):
    kind: Literal["amendment", "entered_in_error"]
    reason: str = Field(min_length=1, max_length=2000)
    text: str = Field(default="", max_length=20000)
    target_type: Literal["note", "reading", "dose", "adverse_event"] = "note"
    target_id: UUID | None = None


class SessionAlertOut(DictSchema):
    id: UUID
    rule: str
    tier: str
    minute: float | None
    triggered_at: datetime
    message: str
    action: str
    source: str
    acknowledged_at: datetime | None
    action_taken: str


class ReadingOut(DictSchema):
    id: UUID
    measured_at: datetime
    minute: float | None
    bp_systolic_mmhg: int | None
    bp_diastolic_mmhg: int | None
    heart_rate_bpm: int | None
    spo2_percent: int | None
    respiratory_rate_per_min: int | None
    moaas: int | None
    symptoms: list[str] = []
    source: str


class VitalsResultOut(DictSchema):
    stored: int
    duplicates: int
    alerts: list[SessionAlertOut]


class DischargeOut(DictSchema):
    ready: bool
    unmet: list[str]
    earliest_at: datetime | None
    minutes_left: float | None


class SessionOut(DictSchema):
    id: UUID
    patient_id: UUID
    protocol: str
    protocol_version: int
    drug: str
    route: str
    state: str
    state_reason: str
    chair_label: str
    scheduled_for: datetime
    checked_in_at: datetime | None
    dose_started_at: datetime | None
    discharged_at: datetime | None
    signed_at: datetime | None
    ad_hoc_reason: str
    planned_visit_id: UUID | None  # the plan's visit this session is; None when ad hoc


class SessionDetailOut(SessionOut):
    readings: list[ReadingOut]
    alerts: list[SessionAlertOut]
    discharge: DischargeOut
    note: str
    summary: dict


class AdverseEventOut(DictSchema):
    id: UUID
    event_type: str
    severity: str
    serious: bool
    action_taken: str
    outcome: str
    onset_at: datetime


class AmendmentOut(DictSchema):
    id: UUID
    kind: str
    target_type: str
    target_id: UUID | None
    text: str
    reason: str
    created_at: datetime
