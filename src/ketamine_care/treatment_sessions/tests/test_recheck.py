"""The reading that waits for its recheck (pure). Thresholds here are test data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketamine_care.treatment_sessions.alerts import Condition, ThresholdRule, evaluate_alerts
from ketamine_care.treatment_sessions.readings import Reading
from ketamine_care.treatment_sessions.recheck import pending_recheck

SEVERE = (Condition("bp_systolic", "ge", 180), Condition("bp_diastolic", "ge", 110))
SUSTAINED = ThresholdRule(
    rule="bp_sustained",
    phase="post_dose",
    conditions=SEVERE,
    tier="urgent",
    message="still severe",
    action="act",
    source="test",
    sustained_min=5,
)
ONCE = ThresholdRule(
    rule="bp_once",
    phase="post_dose",
    conditions=SEVERE,
    tier="warning",
    message="severe once",
    action="recheck",
    source="test",
)
FAST = ThresholdRule(
    rule="hr_fast",
    phase="any",
    conditions=(Condition("heart_rate", "gt", 120),),
    tier="warning",
    message="fast",
    action="act",
    source="test",
    sustained_min=5,
    sustained_mode="continuous",
)
RULES = (SUSTAINED, ONCE, FAST)


def bp(minute, systolic, diastolic=80):
    return Reading(minute=minute, bp_systolic=systolic, bp_diastolic=diastolic)


def test_no_reading_out_of_range_waits_for_nothing():
    assert pending_recheck([bp(10, 130), bp(20, 128)], RULES) is None


def test_one_severe_reading_waits_for_its_recheck_at_the_rules_minutes():
    found = pending_recheck([bp(10, 130), bp(20, 184, 112)], RULES)
    assert (found.rule, found.tier, found.due_minute) == ("bp_sustained", "urgent", 25)
    assert found.reading.bp_systolic == 184


def test_the_recheck_still_severe_fires_the_rule_and_nothing_waits():
    assert pending_recheck([bp(20, 184, 112), bp(26, 182, 111)], RULES) is None


def test_a_recheck_too_early_keeps_the_first_readings_due_time():
    found = pending_recheck([bp(20, 184, 112), bp(22, 186, 114)], RULES)
    assert (found.due_minute, found.reading.minute) == (25, 20)


def test_a_normal_recheck_does_not_cancel_a_repeat_rules_pending_pair():
    # "repeat" rules keep the first breach until the rule fires (the conservative reading).
    found = pending_recheck([bp(20, 184, 112), bp(24, 130)], RULES)
    assert found.due_minute == 25


def test_a_normal_recheck_at_the_recheck_time_is_the_recheck_done():
    """Done and normal at or after the due minute: the floor stops asking for it (it would
    read as overdue for the rest of the session), before or after another rule's batch."""
    assert pending_recheck([bp(20, 184, 112), bp(25, 130)], RULES) is None
    assert pending_recheck([bp(20, 184, 112), bp(24, 130), bp(31, 128)], RULES) is None
    # A reading that does not show the rule's measures is not its recheck.
    found = pending_recheck([bp(20, 184, 112), Reading(minute=27, heart_rate=80)], RULES)
    assert found.due_minute == 25


def test_a_breach_after_a_normal_recheck_still_alerts_at_once():
    """The episode stays open (the conservative pairing is unchanged): a severe reading
    later in the session is the sustained rule's alert at once, and nothing waits."""
    readings = [bp(20, 184, 112), bp(26, 130), bp(70, 181, 95)]
    fired = [(a.rule, a.minute) for a in evaluate_alerts(readings, RULES)]
    assert ("bp_sustained", 70) in fired
    assert pending_recheck(readings, RULES) is None


def test_a_normal_reading_restarts_a_continuous_rule():
    readings = [Reading(minute=10, heart_rate=130), Reading(minute=12, heart_rate=90)]
    assert pending_recheck(readings, (FAST,)) is None
    readings.append(Reading(minute=14, heart_rate=125))
    assert pending_recheck(readings, (FAST,)).due_minute == 19


def test_the_earliest_recheck_wins_and_pre_dose_readings_do_not_count_for_post_dose_rules():
    readings = [bp(-5, 190, 115), Reading(minute=8, heart_rate=130), bp(10, 181)]
    found = pending_recheck(readings, RULES)
    assert (found.rule, found.due_minute) == ("hr_fast", 13)
    assert pending_recheck([bp(-5, 190, 115)], RULES) is None
    assert pending_recheck([bp(10, 190, 115)], RULES, dosing_started=False) is None


def test_rules_that_name_no_rule_or_repeat_an_id_are_refused_as_the_alerts_refuse_them():
    """A rule superseded by a rule the set does not hold would otherwise wait for a recheck
    the alerts never judge: the set is refused, as `alerts.evaluate_from` refuses it."""
    orphan = replace(SUSTAINED, rule="bp_review", superseded_by=("bp_missing",))
    with pytest.raises(ValueError, match="bp_missing"):
        pending_recheck([bp(10, 190, 115)], (orphan,))
    with pytest.raises(ValueError, match="bp_sustained"):
        pending_recheck([bp(10, 190, 115)], (SUSTAINED, SUSTAINED))
