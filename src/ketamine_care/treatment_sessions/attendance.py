"""Whether a planned visit was kept (pure; no Django): planned, scheduled, late, in the
clinic, done, stopped or missed, from its session (if any) and the time now.

LATE_AFTER is a front-desk default, not a clinical number: a patient not checked in this long
after the scheduled time is shown as late, and one who checked in later than that arrived
late. A visit whose day has passed without a session reaching check-in was missed (a
no-show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ketamine_care.treatment_sessions import states

LATE_AFTER = timedelta(minutes=15)

DONE = frozenset({states.DISCHARGED, states.SIGNED})


@dataclass(frozen=True)
class SessionFacts:
    state: str
    scheduled_for: datetime
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class Attendance:
    status: str  # planned | scheduled | late | in_clinic | done | stopped | missed
    label: str
    detail: str = ""


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def arrival_note(session: SessionFacts) -> str:
    """ "arrived 25 min late" when the check-in came LATE_AFTER or more after the time set."""
    if session.checked_in_at is None:
        return ""
    late = session.checked_in_at - session.scheduled_for
    return f"arrived {_minutes(late)} min late" if late >= LATE_AFTER else ""


def attendance(
    *, day: date, today: date, now: datetime, session: SessionFacts | None
) -> Attendance:
    """The visit on `day` with its latest session that was not cancelled (None: none)."""
    if session is None or session.state == states.CANCELLED:
        if day < today:
            return Attendance("missed", "Missed (no-show)", "no session was held")
        return Attendance("planned", "Not scheduled yet")
    if session.state == states.SCHEDULED:
        if day < today:
            return Attendance("missed", "Missed (no-show)", "scheduled, never checked in")
        overdue = now - session.scheduled_for
        if day == today and overdue >= LATE_AFTER:
            return Attendance(
                "late", "Late", f"not checked in {_minutes(overdue)} min after the time set"
            )
        return Attendance("scheduled", "Scheduled")
    note = arrival_note(session)
    if session.state in DONE:
        return Attendance("done", "Done", note)
    if session.state == states.ABORTED:
        return Attendance("stopped", "Stopped early", note)
    return Attendance("in_clinic", f"In clinic: {states.LABELS[session.state].lower()}", note)
