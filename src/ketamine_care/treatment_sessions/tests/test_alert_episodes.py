"""The one episode walk (`alerts.walk_episodes`) that `evaluate_from`, the compiled engine and
the recheck share (hypothesis): what the engine's shortcut for a rule no reading breaches
relies on (a run of normal minutes acts as its first and last, so it hands the walk those
only),
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
    """No episode, or an episode opened before these minutes, alerted or not, its recheck
    done or not."""
    if draw(st.booleans()):
        return NO_EPISODE
    start = draw(st.integers(-10, -1))
    fired = draw(st.booleans())
    rechecked = not fired and draw(st.booleans())
    return RuleState(
        start=start, reading=normal(start, heart_rate=130), fired=fired, rechecked=rechecked
    )


def _first_and_last_of_each_normal_run(minutes: list) -> list:
    kept: list = []
    for minute, breaching in minutes:
        if breaching is None and len(kept) > 1 and kept[-1][1] is None and kept[-2][1] is None:
            kept[-1] = (minute, None)  # the run's last so far replaces its previous last
            continue
        kept.append((minute, breaching))
    return kept


@given(walks(), states(), rules)
def test_a_run_of_normal_minutes_acts_as_its_first_and_last(minutes, state, rule) -> None:
    shorter = _first_and_last_of_each_normal_run(minutes)
    assert walk_episodes(rule, minutes, state) == walk_episodes(rule, shorter, state)


@given(distinct_minutes, states(), rules)
def test_normal_minutes_close_only_an_alerted_or_a_continuous_episode(minutes, state, rule):
    alerts, after = walk_episodes(rule, [(m, None) for m in minutes], state)
    assert alerts == []
    if minutes and (state.fired or rule.sustained_mode == "continuous"):
        assert after == NO_EPISODE
        return
    # A repeat rule's pending pair survives normal minutes; one at or after its recheck
    # time marks the recheck done.
    assert (after.start, after.reading, after.fired) == (state.start, state.reading, state.fired)
    due = None if state.start is None else state.start + (rule.sustained_min or 0)
    done = due is not None and any(m >= due for m in minutes)
    assert after.rechecked is (state.rechecked or done)


def test_a_breach_opens_the_episode_and_the_window_alerts_once() -> None:
    repeat = RULES[1]
    minutes = [(m, normal(m, heart_rate=130)) for m in (10, 12, 15, 20)]
    alerts, after = walk_episodes(repeat, minutes)
    assert [a.minute for a in alerts] == [15]
    assert (after.start, after.reading, after.fired) == (10, minutes[0][1], True)
