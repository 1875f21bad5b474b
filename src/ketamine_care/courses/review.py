"""One course review: state, recommendation, exposure and due surveillance (pure; no Django).

The JSON contract of `ketamine-care course-review --json` (keys are never renamed or removed):

    {"protocol": "esketamine-trd-label",
     "state": "remission",
     "recommendation": {"action": "extend_interval",
                        "reasons": [{"rule", "message", "source"}, ...]},
     "exposure": {"sessions_last_30_days", "mg_last_30_days",
                  "sessions_last_365_days", "mg_last_365_days",
                  "sessions_without_mg_last_30_days", "sessions_without_mg_last_365_days"},
     "surveillance_due": [{"key", "label", "due_on", "status", "reason", "source"}, ...]}

The mg figures add up the known doses only: `sessions_without_mg_*` count the sessions of the
same window whose dose is unknown, so a non-zero count makes the mg a lower bound. The
surveillance follows the protocol's schedule; a course protocol without one is followed with
the default schedule and each item's reason says so (never "nothing due").

"Today" is the latest date in the history unless the caller gives one, so the same history
always gives the same review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ketamine_care.courses.history import History
from ketamine_care.courses.recommend import Recommendation, recommend
from ketamine_care.courses.rules import CourseRules
from ketamine_care.courses.state import CourseState, course_state
from ketamine_care.surveillance.exposure import Dose, Exposure, cumulative_exposure
from ketamine_care.surveillance.schedule import DueItem


@dataclass(frozen=True)
class CourseReview:
    protocol: str
    state: CourseState
    recommendation: Recommendation
    exposure: Exposure
    due: tuple[DueItem, ...]
    default_schedule: bool = False  # the protocol carries no schedule: the default applies

    def as_json(self) -> dict:
        return {
            "protocol": self.protocol,
            "state": self.state.state,
            "recommendation": self.recommendation.as_dict(),
            "exposure": self.exposure.as_report(),
            "surveillance_due": [item.as_dict() for item in self.due],
        }


def review_course(history: History, rules: CourseRules, today: date | None = None) -> CourseReview:
    """Review the course on `today` (default: the latest date in the history)."""
    day = today or history.latest_day()
    if day is None:
        raise ValueError("today: the history has no dates; give the review date")
    state = course_state(history, rules, day)
    doses = [Dose(day=s.day, mg=s.dose_mg) for s in history.sessions if s.day <= day]
    used = rules.surveillance
    due = used.due(doses=doses, last_done=history.last_done, today=day)
    return CourseReview(
        protocol=rules.protocol_id,
        state=state,
        recommendation=recommend(state, history, rules),
        exposure=cumulative_exposure(doses, today=day),
        due=tuple(due),
        default_schedule=used.default,
    )
