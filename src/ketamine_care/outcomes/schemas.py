from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field


class PointOut(Schema):
    administered_at: datetime
    total: float


class ThresholdOut(Schema):
    label: str
    source: str
    # What of the rule the figures apply (the relapse rule: its score arm only).
    applied: str | None = None


class OutcomeOut(Schema):
    instrument: str
    name: str
    administrations: int
    baseline: PointOut | None
    latest: PointOut | None
    latest_band: str | None
    latest_risk: str | None
    change: float | None
    percent_change: float | None
    responder: bool | None
    remitter: bool | None
    first_response_at: datetime | None
    time_to_first_response_days: float | None
    relapsed: bool | None
    relapse_at: datetime | None
    response_rule: ThresholdOut | None
    remission_rule: ThresholdOut | None
    loss_of_response: bool | None = None
    loss_of_response_at: datetime | None = None
    relapse_rule: ThresholdOut | None = None


class AlertOut(Schema):
    id: UUID
    patient_id: UUID
    administration_id: UUID
    rule_id: str
    instrument: str
    severity: str
    message: str
    observed: str
    threshold: str
    care_team_task: str
    patient_crisis_screen: bool
    unconfigured: bool
    source: str
    status: str
    created_at: datetime
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    acknowledgement_note: str


class AcknowledgeIn(Schema):
    note: str = Field(min_length=1, max_length=2000)


class SafetyPlanIn(Schema):
    """A new version: the first plan (`based_on` empty) or a review of the current version."""

    based_on: UUID | None = None
    reviewed_on: date | None = None
    warning_signs: str = Field(default="", max_length=4000)
    internal_coping: str = Field(default="", max_length=4000)
    social_distraction: str = Field(default="", max_length=4000)
    people_to_ask: str = Field(default="", max_length=4000)
    professionals: str = Field(default="", max_length=4000)
    environment_safety: str = Field(default="", max_length=4000)
    reasons_for_living: str = Field(default="", max_length=4000)


class SafetyPlanOut(Schema):
    id: UUID
    version: int
    current: bool
    based_on: UUID | None
    reviewed_on: date
    created_by: str
    created_at: datetime
    warning_signs: str
    internal_coping: str
    social_distraction: str
    people_to_ask: str
    professionals: str
    environment_safety: str
    reasons_for_living: str
