"""When the next BP is due, from the protocol's cadence: a pure function of the BP times and
now (minutes from dose start)."""

from __future__ import annotations

import pytest

from ketamine_care.protocols.library import list_protocol_ids, load_definition, parse_definition
from ketamine_care.treatment_sessions.adapter import monitoring_from_protocol
from ketamine_care.treatment_sessions.cadence import BpDue, Cadence, next_bp_due

# BP every 10 min during a 40-minute infusion and every 15 min after it.
IV = Cadence(during_every_min=10, after_every_min=15, infusion_end_min=40)
ESKETAMINE = Cadence(bp_at_min=(40,))


@pytest.mark.parametrize(
    ("cadence", "taken", "now", "due", "text"),
    [
        (IV, [-10], 5, 10, "BP due in 5 min"),  # the clock starts at the dose
        (IV, [-10, 10], 25, 20, "BP due 5 min ago"),
        (IV, [10, 20, 30], 38, 40, "BP due in 2 min"),
        (IV, [10, 20, 30, 40], 60, 55, "BP due 5 min ago"),  # after the infusion: every 15
        (IV, [50], 60, 65, "BP due in 5 min"),
        (ESKETAMINE, [-5], 45, 40, "BP due 5 min ago"),
        (ESKETAMINE, [-5, 20], 30, 40, "BP due in 10 min"),
    ],
)
def test_next_bp_due(cadence, taken, now, due, text) -> None:
    result = next_bp_due(cadence, taken, now)
    assert result is not None
    assert (result.due_minute, result.text()) == (due, text)
    assert result.overdue == (now > due)


def test_after_the_fixed_minutes_nothing_more_is_due() -> None:
    assert next_bp_due(ESKETAMINE, [-5, 41], 90) is None


def test_the_after_infusion_span_ends_the_schedule() -> None:
    cadence = Cadence(during_every_min=10, after_for_min=60, infusion_end_min=40)
    assert next_bp_due(cadence, [40], 55) is None  # no interval after it in the data
    spanned = Cadence(
        during_every_min=10, after_every_min=15, after_for_min=20, infusion_end_min=40
    )
    assert next_bp_due(spanned, [55], 70) is None  # 70 is past 40 + 20


def test_no_cadence_no_due_time() -> None:
    assert next_bp_due(Cadence(), [0], 100) is None


def test_overdue_text_is_rounded_to_whole_minutes() -> None:
    assert BpDue(due_minute=20, late_min=4.6).text() == "BP due 5 min ago"


@pytest.mark.parametrize(
    ("protocol_id", "expected"),
    [
        ("iv-ketamine-trd", IV),
        ("esketamine-trd-label", Cadence(bp_at_min=(40,))),
        (
            "iv-ketamine-bipolar-depression",
            Cadence(during_every_min=10, after_every_min=15, after_for_min=60, infusion_end_min=40),
        ),
    ],
)
def test_the_library_cadence(protocol_id: str, expected: Cadence) -> None:
    cadence = monitoring_from_protocol(load_definition(protocol_id)).cadence
    assert cadence == expected


def test_a_bipolar_bp_after_the_infusion_becomes_overdue() -> None:
    """BP every 10-15 min after an IV infusion too [@riva-posse-2018]; the bipolar protocol gave
    none after it, so no reading after the infusion was ever overdue."""
    cadence = monitoring_from_protocol(load_definition("iv-ketamine-bipolar-depression")).cadence
    assert next_bp_due(cadence, [10, 20, 30, 40], 60) == BpDue(due_minute=55, late_min=5)
    assert next_bp_due(cadence, [90], 110) is None  # the hour after the infusion is over


def test_a_copy_without_the_interval_after_the_infusion_keeps_the_one_during_it() -> None:
    """A clinic's copy activated before the fix (after_for_min, no after_every_min) is paced
    after the infusion with its interval during it, never not at all."""
    data = load_definition("iv-ketamine-bipolar-depression").model_dump(mode="json")
    del data["monitoring"]["vitals_cadence"]["after_every_min"]
    cadence = monitoring_from_protocol(parse_definition(data)).cadence
    assert (cadence.during_every_min, cadence.after_every_min) == (10, 10)
    assert next_bp_due(cadence, [40], 55) == BpDue(due_minute=50, late_min=5)


def test_a_clinic_interval_fills_a_route_without_one() -> None:
    definition = load_definition("ed-procedural-sedation")
    assert monitoring_from_protocol(definition).cadence.empty
    filled = monitoring_from_protocol(definition, clinic_interval_min=5).cadence
    assert next_bp_due(filled, [0], 12) == BpDue(due_minute=5, late_min=7)


@pytest.mark.parametrize("protocol_id", list_protocol_ids())
def test_every_protocol_has_a_recording_interval_or_asks_the_clinic_for_one(protocol_id):
    # An overdue reading is a warning on the floor view (the protocol's cadence). A protocol
    # whose data give no interval would otherwise never call a reading overdue: the clinic
    # must set one when it activates the protocol.
    definition = load_definition(protocol_id)
    # The cadence does not depend on age; an age-banded protocol needs one to load its rules.
    if monitoring_from_protocol(definition, age_years=14).cadence.empty:
        assert "monitoring.vitals_cadence.interval" in definition.clinic_must_set
