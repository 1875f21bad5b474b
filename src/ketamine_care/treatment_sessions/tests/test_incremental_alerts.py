"""Incremental alert evaluation (hypothesis): going on from where each rule stood gives exactly
the alerts, and the waiting recheck, of evaluating every reading together, however the
readings are cut into batches."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.protocols.library import load_definition
from ketamine_care.treatment_sessions.adapter import monitoring_from_protocol
from ketamine_care.treatment_sessions.alerts import (
    NO_EPISODE,
    RuleState,
    evaluate_alerts,
    evaluate_from,
)
from ketamine_care.treatment_sessions.readings import Reading, check_reading
from ketamine_care.treatment_sessions.recheck import pending_recheck, recheck_from_states

from .builders import DEFAULT_RULES, normal

# The shipped rules (superseded rules, symptoms, MAP, continuous and repeat timing) and the
# test rules of builders.py.
RULE_SETS = (
    monitoring_from_protocol(load_definition("iv-ketamine-trd"), "iv").rules,
    monitoring_from_protocol(load_definition("esketamine-trd-label"), "intranasal").rules,
    DEFAULT_RULES,
)

# Few distinct minutes, so that readings share minutes and sustained windows are met.
minutes = st.integers(min_value=-10, max_value=40).map(lambda m: m / 2)
# Made once, not on every draw (the same draws; Hypothesis works out each new strategy again).
SYSTOLIC = st.none() | st.sampled_from([85, 120, 145, 182, 205])
DIASTOLIC = st.none() | st.sampled_from([40, 75, 95, 112, 125])
SYMPTOMS = st.sampled_from([(), ("severe_headache",)])
HEART_RATE = st.none() | st.sampled_from([38, 45, 80, 125])
SPO2 = st.none() | st.sampled_from([88, 97])
RESPIRATORY_RATE = st.none() | st.sampled_from([8, 14, 32])
MOAAS = st.none() | st.sampled_from([1, 3, 5])


@st.composite
def readings(draw: st.DrawFn) -> Reading:
    """Plausible readings around the alert lines (test data)."""
    systolic = draw(SYSTOLIC)
    diastolic = draw(DIASTOLIC)
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        diastolic = systolic - 20
    with_bp = systolic is not None or diastolic is not None
    symptoms = draw(SYMPTOMS) if with_bp else ()
    reading = Reading(
        minute=draw(minutes),
        bp_systolic=systolic,
        bp_diastolic=diastolic,
        heart_rate=draw(HEART_RATE),
        spo2=draw(SPO2),
        respiratory_rate=draw(RESPIRATORY_RATE),
        moaas=draw(MOAAS),
        symptoms=symptoms,
    )
    return check_reading(reading, 0)


def batches(session: list[Reading], cuts: list[int]) -> list[list[Reading]]:
    """`session` cut between minutes (a minute's readings are judged together)."""
    distinct = sorted({r.minute for r in session})
    bounds = sorted({distinct[c % len(distinct)] for c in cuts}) if distinct else []
    out: list[list[Reading]] = []
    low = float("-inf")
    for bound in [*bounds, float("inf")]:
        out.append([r for r in session if low < r.minute <= bound])
        low = bound
    return out


@given(
    st.lists(readings(), max_size=25),
    st.lists(st.integers(0, 50), max_size=6),
    st.sampled_from(range(len(RULE_SETS))),
    st.booleans(),
)
def test_any_cut_into_batches_gives_the_alerts_of_the_whole(
    session: list[Reading], cuts: list[int], rule_set: int, dosing_started: bool
) -> None:
    rules = RULE_SETS[rule_set]
    whole = evaluate_alerts(session, rules, dosing_started=dosing_started)
    states: dict[str, RuleState] = {}
    pieces = []
    for batch in batches(session, cuts):
        raised, states = evaluate_from(batch, rules, states, dosing_started=dosing_started)
        pieces.extend(raised)
    assert pieces == whole
    # And every rule stands where the whole puts it (open episode, alerted, rechecked).
    assert states == evaluate_from(session, rules, dosing_started=dosing_started)[1]
    # Where the rules stand at the end shows the same waiting recheck.
    assert recheck_from_states(states, rules) == pending_recheck(
        session, rules, dosing_started=dosing_started
    )


def test_a_sustained_pair_across_two_batches_alerts_once_at_the_second_reading() -> None:
    first, states = evaluate_from([normal(10, bp_systolic=185)], DEFAULT_RULES)
    assert first == []
    assert states["bp_severe_repeated"].start == 10
    assert states["bp_severe_repeated"].fired is False
    second, states = evaluate_from([normal(15, bp_systolic=186)], DEFAULT_RULES, states)
    assert [(a.rule, a.minute) for a in second] == [("bp_severe_repeated", 15)]
    assert states["bp_severe_repeated"].fired is True
    third, _ = evaluate_from([normal(20, bp_systolic=187)], DEFAULT_RULES, states)
    assert third == []  # the same episode alerts once


def test_a_rule_missing_from_the_states_starts_with_no_episode() -> None:
    alerts, states = evaluate_from([normal(5)], DEFAULT_RULES, {})
    assert alerts == []
    assert set(states) == {rule.rule for rule in DEFAULT_RULES}
    assert all(state == NO_EPISODE for state in states.values())
