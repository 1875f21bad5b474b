"""API schemas for instruments and administrations (the definition schema is definition.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from ketamine_care.core.api_schema import DictSchema
from ketamine_care.core.pagination import DEFAULT_LIMIT, MAX_LIMIT

TimePointIn = Literal["baseline", "pre_session", "during_session", "post_session", "follow_up"]


class AdministrationListIn(Schema):
    """Query parameters of GET /patients/{id}/administrations: one instrument (optional), the
    page size, and `cursor` (from the `Link` header of the previous page)."""

    instrument: str = ""
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str = ""


class InstrumentOut(DictSchema):
    code: str
    name: str
    version: str
    self_report: bool
    rater: str
    scoring_method: str
    item_count: int


class AdministrationIn(Schema):
    """`answers`: item values in item order (a list) or by item id (an object)."""

    instrument: str = Field(min_length=1, max_length=32)
    answers: list[int | str] | dict[str, int | str | list[int]]
    time_point: TimePointIn
    follow_up_day: int | None = Field(default=None, ge=0, le=3650)
    administered_at: datetime | None = None


class AlertBriefOut(DictSchema):
    id: UUID
    rule_id: str
    severity: str
    message: str
    patient_crisis_screen: bool


class AdministrationOut(DictSchema):
    id: UUID
    instrument: str
    definition_version: str
    answers: dict[str, int | list[int]]  # a list: the TLFB day counts
    total: int | None
    band: str | None
    subscales: dict[str, int]
    flags: list[str]
    risk: str | None
    administered_at: datetime
    time_point: str
    follow_up_day: int | None
    source: str
    status: str
    alerts: list[AlertBriefOut]
