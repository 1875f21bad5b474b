"""Properties of the alert evaluator (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.protocols.library import load_definition
from ketamine_care.treatment_sessions.adapter import monitoring_from_protocol
from ketamine_care.treatment_sessions.alerts import evaluate_alerts
from ketamine_care.treatment_sessions.discharge import evaluate_discharge
from ketamine_care.treatment_sessions.readings import Reading, check_reading

from .builders import DEFAULT_RULES, ESKETAMINE, normal

minutes = st.integers(min_value=-30, max_value=240).map(float) | st.sampled_from([0.5, 40.25])
# Each measure's strategy is made once: a strategy made inside `readings` would be new on every
# draw, and Hypothesis works out a new strategy's properties again (the same draws either way).
SYSTOLIC = st.none() | st.integers(60, 260)
DIASTOLIC = st.none() | st.integers(30, 150)
HEART_RATE = st.none() | st.integers(30, 200)
SPO2 = st.none() | st.integers(70, 100)
RESPIRATORY_RATE = st.none() | st.integers(4, 40)
MOAAS = st.none() | st.integers(0, 5)


@st.composite
def readings(draw: st.DrawFn) -> Reading:
    """Any plausible reading; each measure may be absent."""
    systolic = draw(SYSTOLIC)
    diastolic = draw(DIASTOLIC)
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        diastolic = systolic - 1
    reading = Reading(
        minute=draw(minutes),
        bp_systolic=systolic,
        bp_diastolic=diastolic,
        heart_rate=draw(HEART_RATE),
        spo2=draw(SPO2),
        respiratory_rate=draw(RESPIRATORY_RATE),
        moaas=draw(MOAAS),
    )
    return check_reading(reading, 0)


sessions = st.lists(readings(), max_size=12)


@given(sessions, st.randoms(use_true_random=False))
def test_the_order_of_readings_does_not_change_the_result(
    session: list[Reading], random: object
) -> None:
    shuffled = list(session)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert evaluate_alerts(shuffled, DEFAULT_RULES) == evaluate_alerts(session, DEFAULT_RULES)
    assert evaluate_discharge(shuffled, DEFAULT_RULES, ESKETAMINE) == evaluate_discharge(
        session, DEFAULT_RULES, ESKETAMINE
    )


@given(sessions, st.integers(0, 60))
def test_appending_a_normal_reading_never_creates_an_urgent_alert(
    session: list[Reading], after: int
) -> None:
    last = max((r.minute for r in session), default=0.0)
    before = {a for a in evaluate_alerts(session, DEFAULT_RULES) if a.tier == "urgent"}
    extended = [*session, normal(last + after)]
    urgent_after = {a for a in evaluate_alerts(extended, DEFAULT_RULES) if a.tier == "urgent"}
    assert urgent_after == before


@given(sessions)
def test_alerts_fall_only_on_minutes_present_in_the_input(session: list[Reading]) -> None:
    present = {r.minute for r in session}
    assert {a.minute for a in evaluate_alerts(session, DEFAULT_RULES)} <= present


@settings(max_examples=50)
@given(sessions)
def test_each_rule_alerts_at_most_once_per_minute(session: list[Reading]) -> None:
    keys = [a.key for a in evaluate_alerts(session, DEFAULT_RULES)]
    assert len(keys) == len(set(keys))


@given(sessions)
def test_ready_means_nothing_unmet(session: list[Reading]) -> None:
    result = evaluate_discharge(session, DEFAULT_RULES, ESKETAMINE, readings_only=True)
    assert result.ready is (not result.unmet)


@settings(max_examples=60)
@given(sessions, st.integers(0, 60), st.sampled_from(["esketamine-trd-label", "iv-ketamine-trd"]))
def test_library_rules_keep_the_same_properties(
    session: list[Reading], after: int, protocol_id: str
) -> None:
    rules = monitoring_from_protocol(load_definition(protocol_id)).rules
    alerts = evaluate_alerts(session, rules)
    assert evaluate_alerts(list(reversed(session)), rules) == alerts
    last = max((r.minute for r in session), default=0.0)
    extended = evaluate_alerts([*session, normal(last + after)], rules)
    assert {a for a in extended if a.tier == "urgent"} == {a for a in alerts if a.tier == "urgent"}
