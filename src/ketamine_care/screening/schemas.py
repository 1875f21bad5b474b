from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class ScreeningIn(Schema):
    """`facts` (the `ketamine-care screen` vocabulary) add to the facts the record gives, never
    loosening them: given diagnoses, history and medications join the record's (a given
    medication the record holds adds its doses), the record's medication list is open (not
    confirmed complete) until `medications` is given, the caller's statement of the current
    medications (`[]` for none besides the record's); `medications_unreviewed` true keeps it
    open and false without `medications` is refused (422 naming it); an `age_years` or `sex`
    contradicting the record is refused (422 naming it), the record's unclassified
    psychiatric codes stay until `classify` ({ICD-10 code: diagnosis word, or "" when none
    applies}) settles them, and a recent C-SSRS risk on the record is never lowered. The
    record is always used: `use_record` is kept for compatibility, and `false` is refused
    (422 naming it)."""

    protocol: str = Field(min_length=1, max_length=64)
    facts: dict[str, Any] = Field(default_factory=dict)
    use_record: bool = Field(
        default=True,
        description="Always true: the record's facts are always used; false is refused (422).",
    )
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
