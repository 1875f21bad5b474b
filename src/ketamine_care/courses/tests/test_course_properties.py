"""Properties of the course review: a worse trajectory never yields a longer interval, a
missing measure never counts as a response, and input order does not matter."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.courses.recommend import INTERVAL_RANK
from ketamine_care.courses.tests.builders import review

PROTOCOLS = st.sampled_from(["esketamine-trd-label", "iv-ketamine-trd"])
BENEFIT = {"response", "remission", "sustained_remission"}


@st.composite
def courses(draw):
    """A course: sessions every few days with their doses, a baseline on day 0 and later
    measures."""
    every = draw(st.sampled_from([3, 7, 14, 28]))
    gaps = draw(st.lists(st.integers(min_value=2, max_value=30), min_size=1, max_size=16))
    sessions, d = [0], 0
    for gap in gaps:
        d += gap
        sessions.append(d)
    doses = st.sampled_from([56.0, 84.0, None])
    sessions = [(day, draw(doses)) for day in sessions]  # doses may rise, fall or be unknown
    days = draw(
        st.lists(st.integers(min_value=1, max_value=d + 14), min_size=0, max_size=12, unique=True)
    )
    totals = draw(st.lists(st.integers(0, 60), min_size=len(days), max_size=len(days)))
    baseline = draw(st.integers(20, 60))
    measures = [(0, baseline), *sorted(zip(days, totals, strict=True))]
    return draw(PROTOCOLS), measures, sessions, every


@settings(max_examples=300, deadline=None)
@given(course=courses(), data=st.data())
def test_a_worse_trajectory_never_yields_a_longer_interval(course, data):
    protocol, measures, sessions, every = course
    worse = [measures[0]] + [
        (d, min(60, t + data.draw(st.integers(0, 30)))) for d, t in measures[1:]
    ]
    _, before, _ = review(protocol, measures, sessions, every)
    _, after, _ = review(protocol, worse, sessions, every)
    assert INTERVAL_RANK[after.action] <= INTERVAL_RANK[before.action]
    if before.action != "extend_interval":
        assert after.action != "extend_interval"


@settings(max_examples=100, deadline=None)
@given(course=courses())
def test_a_missing_measure_never_counts_as_a_response(course):
    protocol, measures, sessions, every = course
    # Only the baseline is left: every later measure is missing.
    state, rec, _ = review(protocol, measures[:1], sessions, every)
    assert state.state not in BENEFIT
    assert rec.action != "extend_interval"
    # No baseline before the first session: no measure can show a response either.
    state, rec, _ = review(protocol, measures[1:], sessions, every)
    assert state.state not in BENEFIT | {"loss_of_response", "relapse"}
    assert rec.action != "extend_interval"


@settings(max_examples=100, deadline=None)
@given(course=courses(), seed=st.integers(0, 2**16))
def test_the_review_does_not_depend_on_input_order(course, seed):
    protocol, measures, sessions, every = course
    shuffled_m, shuffled_s = list(measures), list(sessions)
    random.Random(seed).shuffle(shuffled_m)
    random.Random(seed + 1).shuffle(shuffled_s)
    state, rec, _ = review(protocol, measures, sessions, every)
    state2, rec2, _ = review(protocol, shuffled_m, shuffled_s, every)
    assert (state.state, rec.as_dict()) == (state2.state, rec2.as_dict())
