"""Whether a planned visit was kept, as a table (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ketamine_care.treatment_sessions.attendance import (
    LATE_AFTER,
    SessionFacts,
    arrival_note,
    attendance,
)

TODAY = date(2026, 3, 4)
NOW = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
TEN = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)


def facts(state, scheduled_for=TEN, checked_in_at=None):
    return SessionFacts(state, scheduled_for, checked_in_at)


@pytest.mark.parametrize(
    ("day", "session", "status", "label"),
    [
        (TOMORROW, None, "planned", "Not scheduled yet"),
        (TODAY, None, "planned", "Not scheduled yet"),
        (YESTERDAY, None, "missed", "Missed (no-show)"),
        (YESTERDAY, facts("cancelled"), "missed", "Missed (no-show)"),
        (TOMORROW, facts("cancelled"), "planned", "Not scheduled yet"),
        (YESTERDAY, facts("scheduled"), "missed", "Missed (no-show)"),
        (TOMORROW, facts("scheduled", TEN + timedelta(days=1)), "scheduled", "Scheduled"),
        (
            TODAY,
            facts("scheduled", NOW - LATE_AFTER + timedelta(minutes=1)),
            "scheduled",
            "Scheduled",
        ),
        (TODAY, facts("scheduled", NOW - LATE_AFTER), "late", "Late"),
        (TODAY, facts("scheduled"), "late", "Late"),
        (TODAY, facts("monitoring", checked_in_at=TEN), "in_clinic", "In clinic: monitoring"),
        (YESTERDAY, facts("discharged", checked_in_at=TEN), "done", "Done"),
        (YESTERDAY, facts("signed", checked_in_at=TEN), "done", "Done"),
        (YESTERDAY, facts("aborted", checked_in_at=TEN), "stopped", "Stopped early"),
    ],
)
def test_attendance(day, session, status, label):
    result = attendance(day=day, today=TODAY, now=NOW, session=session)
    assert (result.status, result.label) == (status, label)


def test_late_says_how_late():
    result = attendance(day=TODAY, today=TODAY, now=NOW, session=facts("scheduled"))
    assert result.detail == "not checked in 60 min after the time set"


@pytest.mark.parametrize(
    ("checked_in_after", "note"),
    [
        (None, ""),
        (timedelta(minutes=-5), ""),
        (LATE_AFTER - timedelta(minutes=1), ""),
        (LATE_AFTER, "arrived 15 min late"),
        (timedelta(minutes=42), "arrived 42 min late"),
    ],
)
def test_a_late_arrival_is_noted(checked_in_after, note):
    checked_in = None if checked_in_after is None else TEN + checked_in_after
    assert arrival_note(facts("checked_in", checked_in_at=checked_in)) == note
    result = attendance(day=TODAY, today=TODAY, now=NOW, session=facts("dosing", TEN, checked_in))
    assert result.detail == note
