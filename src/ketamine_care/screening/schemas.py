from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class ScreeningIn(Schema):
    """`facts` (the `ketamine-care screen` vocabulary) are laid over the facts the record gives;
    with `use_record` false only `facts` are used. The record's unclassified psychiatric codes
    stay until `classify` ({ICD-10 code: diagnosis word, or "" when none applies}) settles
    them, and a recent C-SSRS risk on the record is never lowered."""

    protocol: str = Field(min_length=1, max_length=64)
    facts: dict[str, Any] = Field(default_factory=dict)
    use_record: bool = True
    classify: dict[str, str] = Field(default_factory=dict, max_length=50)


class ReasonOut(Schema):
    rule: str
    severity: str
    message: str
    source: str


class VerdictOut(Schema):
    id: UUID
    protocol: str
    protocol_version: UUID
    verdict: str
    reasons: list[ReasonOut]
    override_allowed: bool
    rule_set: dict[str, str]
    facts: dict[str, Any]
    evaluated_at: datetime
    override_reason: str
    overridden_at: datetime | None
    cosigned_at: datetime | None
    cosign_note: str


class OverrideIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)


class CosignIn(Schema):
    note: str = Field(default="", max_length=4000)
