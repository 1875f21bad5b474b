"""The one episode walk (`alerts.walk_episodes`) that `evaluate_from`, the compiled engine and
the recheck share (hypothesis): what the engine's shortcut for a rule no reading breaches
relies on (a run of normal minutes acts as one, so it hands the walk the first one only),
and what normal minutes alone do to a rule's state (the rule the engine used to spell out
for that shortcut)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.treatment_sessions.alerts import NO_EPISODE, RuleState, walk_episodes

from .builders import normal, rule

# Test data: one condition under the three timings (immediate, repeat, continuous).
RULES = (
    rule("hr_immediate", "any", [("heart_rate", "gt", 120)], "urgent"),
    rule("hr_repeat", "any", [("heart_rate", "gt", 120)], "urgent", sustained_min=5),
    rule(
        "hr_continuous",
        "any",
        [("heart_rate", "gt", 120)],
        "warning",
        sustained_min=5,
        sustained_mode="continuous",
    ),
)
rules = st.sampled_from(RULES)
distinct_minutes = st.lists(st.integers(0, 40), unique=True, max_size=20).map(sorted)


@st.composite
def walks(draw: st.DrawFn) -> list:
    """Minutes in order, each breaching (its first breaching reading) or normal (None)."""
    return [
        (m, normal(m, heart_rate=130) if draw(st.booleans()) else None)
        for m in draw(distinct_minutes)
    ]


@st.composite
def states(draw: st.DrawFn) -> RuleState:
    """No episode, or an episode opened before these minutes, alerted or not."""
    if draw(st.booleans()):
        return NO_EPISODE
    start = draw(st.integers(-10, -1))
    return RuleState(start=start, reading=normal(start, heart_rate=130), fired=draw(st.booleans()))


def _first_of_each_normal_run(minutes: list) -> list:
    kept: list = []
    for minute, breaching in minutes:
        if breaching is None and kept and kept[-1][1] is None:
            continue
        kept.append((minute, breaching))
    return kept


@given(walks(), states(), rules)
def test_a_run_of_normal_minutes_acts_as_one(minutes, state, rule) -> None:
    shorter = _first_of_each_normal_run(minutes)
    assert walk_episodes(rule, minutes, state) == walk_episodes(rule, shorter, state)


@given(distinct_minutes, states(), rules)
def test_normal_minutes_close_only_an_alerted_or_a_continuous_episode(minutes, state, rule):
    alerts, after = walk_episodes(rule, [(m, None) for m in minutes], state)
    assert alerts == []
    if minutes and (state.fired or rule.sustained_mode == "continuous"):
        assert after == NO_EPISODE
    else:
        assert after is state  # unchanged: a repeat rule's pending pair survives normal minutes


def test_a_breach_opens_the_episode_and_the_window_alerts_once() -> None:
    repeat = RULES[1]
    minutes = [(m, normal(m, heart_rate=130)) for m in (10, 12, 15, 20)]
    alerts, after = walk_episodes(repeat, minutes)
    assert [a.minute for a in alerts] == [15]
    assert (after.start, after.reading, after.fired) == (10, minutes[0][1], True)
