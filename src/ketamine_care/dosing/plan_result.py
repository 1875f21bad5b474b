"""What course planning returns: the dated visits, the review points and any warnings, with
the `ketamine-care plan --json` contract (pure). Re-exported by `planning.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class PlannedVisit:
    date: date
    number: int
    phase: str
    dose: dict[str, Any]
    assessments: tuple[dict[str, Any], ...]
    condition: str | None = None  # the block's condition (e.g. responders only), if any


@dataclass(frozen=True)
class ReviewPoint:
    after_visit: int
    date: date
    purpose: str


@dataclass(frozen=True)
class CoursePlan:
    protocol: str
    visits: tuple[PlannedVisit, ...]
    reviews: tuple[ReviewPoint, ...]
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The `ketamine-care plan --json` contract; `warnings` and the visits' `conditional`
        and `condition` were added to the original keys."""
        return {
            "protocol": self.protocol,
            "visits": [
                {
                    "date": v.date.isoformat(),
                    "number": v.number,
                    "phase": v.phase,
                    "dose": v.dose,
                    "assessments": list(v.assessments),
                    "conditional": v.condition is not None,
                    "condition": v.condition,
                }
                for v in self.visits
            ],
            "reviews": [
                {"after_visit": r.after_visit, "date": r.date.isoformat(), "purpose": r.purpose}
                for r in self.reviews
            ],
            "warnings": list(self.warnings),
        }
