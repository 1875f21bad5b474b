from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class ProtocolVersionOut(Schema):
    id: UUID
    protocol: str
    version: int
    status: str
    source: str
    definition_version: str
    clinic_values: dict[str, Any]
    change_note: str
    activated_at: datetime | None
    created_at: datetime


class ProtocolSummaryOut(Schema):
    id: str
    title: str
    drug: str
    routes: list[str]
    population: str
    setting: str
    research_only: bool
    evidence: str
    clinic_must_set: list[str]
    active_version: ProtocolVersionOut | None


class ProtocolDetailOut(ProtocolSummaryOut):
    shipped_definition: dict[str, Any]
    active_definition: dict[str, Any] | None
    versions: list[ProtocolVersionOut]


class ActivateIn(Schema):
    clinic_values: dict[str, Any] = Field(default_factory=dict)


class DraftIn(Schema):
    edits: dict[str, Any] = Field(min_length=1)
    note: str = Field(default="", max_length=2000)
