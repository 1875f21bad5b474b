"""Relapse as SUSTAIN-1 defines it, apart from loss of response. Pure (no Django).

SUSTAIN-1 (Daly 2019): relapse is a MADRS total >= 22 on two consecutive assessments 5-15 days
apart, or hospitalisation for worsening depression, a suicide attempt or another clinically
relevant event. A responder who merely stops meeting the response threshold has *lost
response*, a different state (`rules._loss_of_response`). The numbers live in defaults.json.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

RelapseEventKind = Literal[
    "hospitalisation_worsening_depression", "suicide_attempt", "other_clinically_relevant"
]


class SustainedRelapseRule(BaseModel):
    """The total `op value` on `assessments` consecutive assessments, each
    `min_days_apart`..`max_days_apart` days after the one before."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal[">=", ">"]
    value: float
    assessments: Literal[2]  # SUSTAIN-1: two consecutive assessments
    min_days_apart: float = Field(ge=0)
    max_days_apart: float = Field(gt=0)
    label: str
    source: str
    evidence: str
    editable: bool


class _Point(Protocol):
    timestamp: datetime
    total: float


@dataclass(frozen=True)
class RelapseEvent:
    """An event that is a relapse by itself (SUSTAIN-1's second arm)."""

    timestamp: datetime
    kind: RelapseEventKind


_OPS = {">=": operator.ge, ">": operator.gt}


def sustained_relapse_at(
    points: Sequence[_Point],
    rule: SustainedRelapseRule,
    after: datetime | None,
    events: Sequence[RelapseEvent] = (),
) -> datetime | None:
    """When relapse was established, or None.

    `points` are the assessments after baseline in time order; only relapse after `after`
    (the first response) counts, and with no response there is nothing to relapse from. The
    score arm needs a rating at or above the value and a later one `min_days_apart` to
    `max_days_apart` days after it, with no rating below the value between them. It is
    established at that later rating (the moment it is known). Ratings closer together than
    the window (a clinic rating daily) do not break the run, so frequent rating never hides a
    relapse; a gap longer than the window does. An event is a relapse at its own time.
    """
    if after is None:
        return None
    later = [p for p in points if p.timestamp > after]
    found = [e.timestamp for e in events if e.timestamp > after]
    score_arm = _score_arm(later, rule)
    if score_arm is not None:
        found.append(score_arm)
    return min(found, default=None)


def _score_arm(later: Sequence[_Point], rule: SustainedRelapseRule) -> datetime | None:
    low, high = timedelta(days=rule.min_days_apart), timedelta(days=rule.max_days_apart)
    above = [_OPS[rule.op](p.total, rule.value) for p in later]
    for i, first in enumerate(later):
        if not above[i]:
            continue
        for j in range(i + 1, len(later)):
            gap = later[j].timestamp - first.timestamp
            if not above[j] or gap > high:
                break
            if gap >= low:
                return later[j].timestamp
    return None
