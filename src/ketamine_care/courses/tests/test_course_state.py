"""Course states from the esketamine label, SUSTAIN-1 and the protocols' cut-offs."""

from __future__ import annotations

import pytest

from ketamine_care.courses.tests.builders import ESK_INDUCTION, ESK_WEEKLY, IV_SERIES, review

ESK = "esketamine-trd-label"
IV = "iv-ketamine-trd"
# A remitter on the label's schedule: induction, then weekly from week 5 (MADRS <= 12).
REMITTER = [(0, 34), (7, 25), (14, 18), (21, 12), (28, 10), (35, 9), (42, 8), (49, 8)]


def test_mid_induction_is_induction_whatever_the_measures():
    state, rec, _ = review(ESK, [(0, 34), (7, 10)], [0, 3, 7], 3)
    assert state.state == "induction"
    assert rec.action == "continue"


def test_no_benefit_after_all_induction_sessions_is_non_response():
    measures = [(0, 34), (7, 30), (14, 28), (21, 26), (24, 25)]
    state, rec, _ = review(ESK, measures, ESK_INDUCTION, 3)
    assert state.state == "non_response"
    assert rec.action == "review_for_discontinuation"
    assert "spravato-uspi" in rec.reasons[0].source


def test_induction_ends_after_its_four_weeks_even_with_sessions_missed():
    measures = [(0, 34), (14, 30)]
    assert review(ESK, measures, [0, 3, 7, 10], 3, today=27)[0].state == "induction"
    assert review(ESK, measures, [0, 3, 7, 10], 3, today=28)[0].state == "non_response"


def test_iv_series_ends_after_six_infusions():
    measures = [(0, 30), (14, 28), (17, 27)]
    assert review(IV, measures, IV_SERIES[:5], 3)[0].state == "induction"
    assert review(IV, measures, IV_SERIES, 3)[0].state == "non_response"


def test_a_missing_measure_is_never_a_response():
    state, rec, _ = review(ESK, [(0, 34)], ESK_INDUCTION, 3)
    assert state.state == "non_response"
    assert "missing measure never counts" in state.why
    assert rec.action == "review_for_discontinuation"


def test_no_baseline_before_the_first_session_means_no_response():
    state, _, _ = review(ESK, [(3, 34), (24, 5)], ESK_INDUCTION, 3)
    assert state.baseline is None
    assert state.state == "non_response"


@pytest.mark.parametrize(
    ("protocol", "latest", "expected"),
    [
        (ESK, 12, "remission"),  # esketamine programme: MADRS <= 12
        (ESK, 13, "response"),  # 34 -> 13 is 62 % better
        (IV, 10, "remission"),  # IV protocols: MADRS <= 10
        (IV, 11, "response"),
        (ESK, 17, "response"),  # exactly 50 % of 34
        (ESK, 18, "non_response"),  # 47 % and above 12
    ],
)
def test_remission_and_response_cut_offs_come_from_the_protocol(protocol, latest, expected):
    sessions = ESK_INDUCTION if protocol == ESK else IV_SERIES
    state, _, _ = review(protocol, [(0, 34), (sessions[-1], latest)], sessions, 3)
    assert state.state == expected


def test_phq9_follows_the_course_when_the_protocol_measure_is_missing():
    state, _, _ = review(ESK, [(0, 20), (24, 4)], ESK_INDUCTION, 3, instrument="phq9")
    assert (state.instrument, state.state) == ("phq9", "remission")  # PHQ-9 < 5
    state, _, _ = review(ESK, [(0, 20), (24, 5)], ESK_INDUCTION, 3, instrument="phq9")
    assert state.state == "response"  # 75 % better, not below 5


def test_sustained_remission_needs_the_last_two_weeks_and_three_of_four():
    sessions = ESK_INDUCTION + ESK_WEEKLY
    assert review(ESK, REMITTER, sessions, 7)[0].state == "sustained_remission"
    # One week above the cut-off in weeks 1-2 of the window is allowed ...
    excursion = REMITTER[:-3] + [(35, 15), (42, 8), (49, 8)]
    assert review(ESK, excursion, sessions, 7)[0].state == "sustained_remission"
    # ... but not in the last two weeks, and a missing week counts as one out of remission.
    late = REMITTER[:-2] + [(42, 15), (49, 8)]
    assert review(ESK, late, sessions, 7)[0].state == "remission"
    gap = [m for m in REMITTER if m[0] not in (35, 28)]
    assert review(ESK, gap, sessions, 7)[0].state == "remission"


def test_two_non_responses_after_a_response_are_loss_of_response():
    measures = [*REMITTER, (56, 20), (63, 21)]
    state, _, _ = review(ESK, measures, [*ESK_INDUCTION, *ESK_WEEKLY, 56, 63], 7)
    assert state.state == "loss_of_response"
    assert "daly-2019" in state.source


def test_one_non_response_keeps_the_response_until_confirmed():
    measures = [*REMITTER, (56, 20)]
    state, _, _ = review(ESK, measures, [*ESK_INDUCTION, *ESK_WEEKLY, 56], 7)
    assert state.state == "response"
    assert state.worsened


def test_sustain1_relapse_is_madrs_22_twice_5_to_15_days_apart():
    sessions = [*ESK_INDUCTION, *ESK_WEEKLY, 56, 63]
    state, _, _ = review(ESK, [*REMITTER, (56, 22), (63, 24)], sessions, 7)
    assert state.state == "relapse"
    assert str(state.relapse_on) == "2026-03-09"  # the second assessment, day 63
    # 16 days apart is outside SUSTAIN-1's window: loss of response, not relapse.
    state, _, _ = review(ESK, [*REMITTER, (56, 22), (72, 24)], [*sessions, 72], 7)
    assert state.state == "loss_of_response"


def test_a_response_after_a_relapse_ends_it():
    sessions = [*ESK_INDUCTION, *ESK_WEEKLY, 56, 63, 70]
    state, _, _ = review(ESK, [*REMITTER, (56, 22), (63, 24), (70, 10)], sessions, 7)
    assert state.state == "remission"


def test_state_ignores_input_order_and_later_entries():
    sessions = ESK_INDUCTION + ESK_WEEKLY
    forward = review(ESK, REMITTER, sessions, 7)[0]
    backward = review(ESK, list(reversed(REMITTER)), list(reversed(sessions)), 7)[0]
    assert forward.state == backward.state
    assert review(ESK, REMITTER, sessions, 7, today=20)[0].state == "induction"


def test_a_relapse_event_after_a_response_is_relapse_by_itself():
    from ketamine_care.courses.history import parse_history
    from ketamine_care.courses.state import course_state
    from ketamine_care.courses.tests.builders import day, history_json, rules_for

    data = history_json([*REMITTER], [*ESK_INDUCTION, *ESK_WEEKLY], 7)
    data["events"] = [{"date": day(52), "kind": "hospitalisation_worsening_depression"}]
    history = parse_history(data)
    state = course_state(history, rules_for(ESK), history.latest_day())
    assert (state.state, state.relapse_on.isoformat()) == ("relapse", day(52))
    # An event before the response is not a relapse from it.
    data["events"] = [{"date": day(2), "kind": "suicide_attempt"}]
    history = parse_history(data)
    assert course_state(history, rules_for(ESK), history.latest_day()).state != "relapse"
