"""The compiled alert rules (`alert_engine.evaluate_batch`) give exactly what the definition
(`alerts.evaluate_from`) gives: the same alerts (rule, tier, minute, wording, observed values
and their types) and the same rule states, from any starting states, for every shipped rule
set and for generated rules, over readings with values at, just below and just above every
threshold (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.protocols.library import list_protocol_ids, load_definition
from ketamine_care.treatment_sessions.adapter import monitoring_from_protocol
from ketamine_care.treatment_sessions.alert_engine import evaluate_batch, sort_key
from ketamine_care.treatment_sessions.alerts import (
    Condition,
    RuleState,
    ThresholdRule,
    evaluate_from,
)
from ketamine_care.treatment_sessions.readings import MEASURES, SYMPTOMS, Reading

from .builders import DEFAULT_RULES, normal


def _shipped_rule_sets() -> list[tuple[ThresholdRule, ...]]:
    """Every shipped protocol's rules for every route (age-banded ones at several ages)."""
    sets = []
    for protocol_id in list_protocol_ids():
        definition = load_definition(protocol_id)
        ages = (0.2, 3.0, 8.0, 15.0) if definition.age_banded else (None,)
        for route in definition.routes:
            for age in ages:
                rules = monitoring_from_protocol(definition, route, age_years=age).rules
                if rules not in sets:
                    sets.append(rules)
    return sets


SHIPPED = [*_shipped_rule_sets(), DEFAULT_RULES]


def _edges(rule_sets) -> dict[str, list[float]]:
    """Per measure: every threshold of `rule_sets`, and the values just either side of it."""
    edges: dict[str, set[float]] = {m: set() for m in (*MEASURES, "map")}
    for rules in rule_sets:
        for rule in rules:
            for condition in rule.conditions:
                limits = condition.value if condition.comparison == "in" else (condition.value,)
                for limit in limits:  # type: ignore[union-attr]
                    for delta in (-1, -0.5, 0, 0.5, 1):
                        edges[condition.measure].add(limit + delta)
    return {m: sorted(v) for m, v in edges.items()}


EDGES = _edges(SHIPPED)
# Strategies are made once, not inside each draw: Hypothesis works out a new strategy's
# properties again every time one is made (the draws are the same either way).
# Each measure's edges (1.0 for a measure no rule names, where a condition needs a limit).
POOLS = {m: st.sampled_from(EDGES[m] or [1.0]) for m in EDGES}
SOME_SYMPTOMS = st.lists(st.sampled_from(sorted(SYMPTOMS)), max_size=2, unique=True)


@st.composite
def edge_readings(draw: st.DrawFn, minutes) -> Reading:
    """A reading whose values sit on or next to the alert lines (MAP through systolic and
    diastolic), as ints or floats; any measure may be missing."""

    def value(measure: str):
        if not EDGES[measure] or draw(st.integers(0, 4)) == 0:
            return None
        chosen = draw(POOLS[measure])
        return int(chosen) if float(chosen).is_integer() and draw(st.booleans()) else chosen

    values = {m: value(m) for m in MEASURES}
    target = value("map")
    if target is not None and draw(st.booleans()):
        diastolic = values["bp_diastolic"] or 80
        values["bp_diastolic"] = diastolic
        values["bp_systolic"] = 3 * target - 2 * diastolic  # MAP exactly on the line
    symptoms = draw(SOME_SYMPTOMS)
    return Reading(minute=draw(minutes), symptoms=tuple(symptoms), **values)


# Few distinct minutes (ints and floats alike, before and after dosing), so readings share
# minutes and sustained windows are met.
MINUTES = st.one_of(st.integers(-6, 20), st.integers(-12, 40).map(lambda m: m / 2))

measures = st.sampled_from((*MEASURES, "map"))


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    measure = draw(measures)
    comparison = draw(st.sampled_from(("gt", "lt", "ge", "le", "in")))
    if comparison == "in":
        return Condition(measure, "in", tuple(draw(st.lists(POOLS[measure], min_size=1))))
    limit = draw(POOLS[measure])
    return Condition(measure, comparison, int(limit) if draw(st.booleans()) else limit)


CONDITION_LISTS = st.lists(conditions(), min_size=1, max_size=3)
SUSTAINED = st.none() | st.sampled_from([0, 2, 5, 2.5])


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[ThresholdRule, ...]:
    """Generated rules: any phase, tier, timing, match, symptoms and superseding."""
    count = draw(st.integers(1, 6))
    ids = [f"r{i}" for i in range(count)]
    rules = []
    for rule_id in ids:
        rules.append(
            ThresholdRule(
                rule=rule_id,
                phase=draw(st.sampled_from(("pre_dose", "post_dose", "any"))),
                conditions=tuple(draw(CONDITION_LISTS)),
                tier=draw(st.sampled_from(("info", "warning", "urgent"))),
                message=f"{rule_id} message",
                action=f"{rule_id} action",
                source="Test threshold",
                sustained_min=draw(SUSTAINED),
                sustained_mode=draw(st.sampled_from(("repeat", "continuous"))),
                match=draw(st.sampled_from(("any", "all"))),
                with_symptoms=draw(st.booleans()),
                superseded_by=tuple(
                    draw(st.lists(st.sampled_from([i for i in ids if i != rule_id] or ids)))
                    if count > 1
                    else ()
                ),
            )
        )
    return tuple(rules)


EARLIER, UP_TO_30, UP_TO_20 = (st.lists(edge_readings(MINUTES), max_size=n) for n in (6, 30, 20))


def _states(draw: st.DrawFn, rules, readings) -> dict[str, RuleState]:
    """Starting states as `evaluate_from` leaves them: from readings before these."""
    earlier = [Reading(**{**r.__dict__, "minute": r.minute - 60}) for r in draw(EARLIER)]
    return evaluate_from(earlier, rules, dosing_started=draw(st.booleans()))[1]


def _same(fast, slow) -> None:
    """Equal, and of the same types (an int stays an int in a stored alert's values)."""
    assert fast == slow
    fast_alerts, slow_alerts = fast[0], slow[0]
    for mine, theirs in zip(fast_alerts, slow_alerts, strict=True):
        assert [type(v) for _, v in mine.observed] == [type(v) for _, v in theirs.observed]
        assert type(mine.minute) is type(theirs.minute)
    for rule, state in slow[1].items():
        assert fast[1][rule].reading is state.reading  # the same reading opened the episode
        assert type(fast[1][rule].start) is type(state.start)


@settings(max_examples=300, deadline=None)
@given(st.data(), st.sampled_from(range(len(SHIPPED))), st.booleans())
def test_shipped_rules_give_the_alerts_of_the_definition(data, which, dosing_started) -> None:
    rules = SHIPPED[which]
    readings = data.draw(UP_TO_30)
    states = _states(data.draw, rules, readings) if data.draw(st.booleans()) else {}
    fast = evaluate_batch(readings, rules, states, dosing_started=dosing_started)
    slow = evaluate_from(readings, rules, states, dosing_started=dosing_started)
    _same(fast, slow)


@settings(max_examples=300, deadline=None)
@given(st.data(), rule_sets(), st.booleans())
def test_generated_rules_give_the_alerts_of_the_definition(data, rules, dosing_started) -> None:
    readings = data.draw(UP_TO_20)
    states = _states(data.draw, rules, readings)
    fast = evaluate_batch(readings, rules, states, dosing_started=dosing_started)
    slow = evaluate_from(readings, rules, states, dosing_started=dosing_started)
    _same(fast, slow)


def test_a_pre_dose_210_over_125_raises_the_hold_in_both() -> None:
    rules = monitoring_from_protocol(load_definition("iv-ketamine-trd"), "iv").rules
    reading = [normal(-5, bp_systolic=210, bp_diastolic=125)]
    fast = evaluate_batch(reading, rules, dosing_started=False)
    slow = evaluate_from(reading, rules, dosing_started=False)
    assert fast == slow
    assert [a.tier for a in fast[0]] == ["urgent"]


def test_the_same_rule_errors_as_the_definition() -> None:
    twice = (*DEFAULT_RULES, DEFAULT_RULES[0])
    with pytest.raises(ValueError, match="duplicate rule ids: bp_pre_dose_review"):
        evaluate_batch([], twice)
    with pytest.raises(ValueError, match="duplicate rule ids: bp_pre_dose_review"):
        evaluate_from([], twice)
    orphan = (ThresholdRule(**{**DEFAULT_RULES[0].__dict__, "superseded_by": ("nope",)}),)
    with pytest.raises(ValueError, match="superseded_by names unknown rules: nope"):
        evaluate_batch([], orphan)


@given(st.lists(edge_readings(MINUTES), max_size=10))
def test_the_sort_key_is_the_readings_own(readings) -> None:
    assert [sort_key(r) for r in readings] == [r.sort_key() for r in readings]
