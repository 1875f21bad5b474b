"""Course histories for the tests, written as days from the first session."""

from __future__ import annotations

from datetime import date, timedelta

from ketamine_care.courses.history import History, parse_history
from ketamine_care.courses.recommend import Recommendation, recommend
from ketamine_care.courses.rules import CourseRules, course_rules
from ketamine_care.courses.state import CourseState, course_state
from ketamine_care.protocols.library import load_definition

START = date(2026, 1, 5)
# Esketamine label: weeks 1-4 twice weekly (8 sessions), weeks 5-8 weekly, then every 2 weeks.
ESK_INDUCTION = [0, 3, 7, 10, 14, 17, 21, 24]
ESK_WEEKLY = [28, 35, 42, 49]
# IV series: 6 infusions twice weekly over 3 weeks.
IV_SERIES = [0, 3, 7, 10, 14, 17]


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def history_json(measures, sessions, every_days, instrument="madrs", dose=56):
    """`measures`: (day, total) pairs; `sessions`: days, or (day, dose_mg) pairs."""
    return {
        "administrations": [
            {"date": day(d), "instrument": instrument, "total": t} for d, t in measures
        ],
        "sessions": [
            {"date": day(s[0]), "dose_mg": s[1]}
            if isinstance(s, tuple)
            else {"date": day(s), "dose_mg": dose}
            for s in sessions
        ],
        "schedule": {"every_days": every_days},
    }


def rules_for(protocol: str) -> CourseRules:
    return course_rules(load_definition(protocol))


def review(protocol, measures, sessions, every_days, today=None, **kw):
    """(state, recommendation, history) for a history given as days."""
    history: History = parse_history(history_json(measures, sessions, every_days, **kw))
    rules = rules_for(protocol)
    on = START + timedelta(days=today) if today is not None else history.latest_day()
    state: CourseState = course_state(history, rules, on)
    rec: Recommendation = recommend(state, history, rules)
    return state, rec, history
