"""Maintenance recommendations from the esketamine label's schedule and missed-dose rule,
SUSTAIN-1 relapse and the clinic's IV step-down rhythm."""

from __future__ import annotations

from ketamine_care.courses.tests.builders import ESK_INDUCTION, ESK_WEEKLY, IV_SERIES, review
from ketamine_care.courses.tests.test_course_state import ESK, IV, REMITTER

LABEL = [*ESK_INDUCTION, *ESK_WEEKLY, 56]
AT_WEEK_9 = [*REMITTER, (56, 7)]


def rules_of(rec):
    return [r.rule for r in rec.reasons]


def test_label_steps_a_stable_remitter_down_from_weekly_to_every_two_weeks_at_week_9():
    state, rec, _ = review(ESK, AT_WEEK_9, LABEL, 7)
    assert state.state == "sustained_remission"
    assert (rec.action, rec.target_every_days) == ("extend_interval", 14)
    assert "spravato-uspi §2" in rec.reasons[1].source


def test_no_step_down_before_week_9_on_the_label():
    _, rec, _ = review(ESK, REMITTER, [*ESK_INDUCTION, *ESK_WEEKLY], 7)
    assert rec.action == "continue"
    assert "interval_kept" in rules_of(rec)


def test_every_two_weeks_is_the_labels_least_frequent():
    sessions = [*LABEL, 70, 84]
    _, rec, _ = review(ESK, [*AT_WEEK_9, (70, 8), (84, 8)], sessions, 14)
    assert rec.action == "continue"
    assert "least frequent" in rec.reasons[-1].message


def test_induction_responder_moves_to_the_weekly_block():
    measures = [(0, 34), (21, 20), (24, 16)]
    state, rec, _ = review(ESK, measures, ESK_INDUCTION, 3, today=28)
    assert state.state == "response"
    assert (rec.action, rec.target_every_days) == ("extend_interval", 7)


def test_a_later_step_down_needs_two_measures_in_a_row():
    measures = [*REMITTER[:-2], (42, 20), (56, 8)]
    _, rec, _ = review(ESK, measures, LABEL, 7)
    assert rec.action == "continue"
    assert "not_stable" in rules_of(rec)


def test_a_stale_measure_blocks_a_step_down():
    _, rec, _ = review(ESK, REMITTER, [*LABEL, 63], 7, today=63)
    assert rec.action == "continue"
    assert "stale_measure" in rules_of(rec)


def test_iv_follows_the_clinics_step_down_rhythm():
    measures = [(0, 30), (17, 8)]
    _, rec, _ = review(IV, measures, IV_SERIES, 3, today=21)
    assert (rec.action, rec.target_every_days) == ("extend_interval", 7)
    weekly = [*IV_SERIES, 21, 28, 35, 42, 49]
    measures = [(0, 30), (17, 8), (21, 8), (28, 7), (35, 8), (42, 8), (49, 6)]
    _, rec, _ = review(IV, measures, weekly, 7)
    assert (rec.action, rec.target_every_days) == ("extend_interval", 28)
    assert "INSTITUTIONAL" in rec.reasons[1].source or "ketamine-care-defaults" in (
        rec.reasons[1].source
    )


def test_missed_sessions_and_worse_measures_return_to_the_previous_schedule():
    sessions = [*LABEL, 70, 112]  # every 2 weeks, then 6 weeks without a session
    measures = [*AT_WEEK_9, (70, 8), (112, 25)]
    state, rec, _ = review(ESK, measures, sessions, 14)
    assert state.worsened
    assert (rec.action, rec.target_every_days) == ("return_to_previous_schedule", 7)
    assert "missed_sessions" in rules_of(rec)


def test_missed_sessions_without_worse_measures_keep_the_schedule():
    sessions = [*LABEL, 70, 112]
    _, rec, _ = review(ESK, [*AT_WEEK_9, (70, 8), (112, 8)], sessions, 14)
    assert rec.action != "return_to_previous_schedule"


def test_loss_of_response_without_missed_sessions_shortens_the_interval():
    sessions = [*LABEL, 70, 84]
    state, rec, _ = review(ESK, [*AT_WEEK_9, (70, 20), (84, 20)], sessions, 14)
    assert state.state == "loss_of_response"
    assert (rec.action, rec.target_every_days) == ("shorten_interval", 7)


def test_relapse_shortens_the_interval():
    sessions = [*LABEL, 70, 77]
    state, rec, _ = review(ESK, [*AT_WEEK_9, (70, 23), (77, 25)], sessions, 14)
    assert state.state == "relapse"
    assert rec.action == "shorten_interval"


def test_dose_rise_with_falling_response_asks_for_a_tolerance_review():
    sessions = [*[(d, 56) for d in LABEL], (70, 84), (84, 84)]
    state, rec, _ = review(ESK, [*AT_WEEK_9, (70, 20), (84, 21)], sessions, 14)
    assert state.state == "loss_of_response"
    assert rec.action == "tolerance_review"
    assert "56 mg" in rec.reasons[1].message and "84 mg" in rec.reasons[1].message


def test_unknown_doses_never_show_a_rise():
    sessions = [*[(d, 56) for d in LABEL], (70, None), (84, None)]
    _, rec, _ = review(ESK, [*AT_WEEK_9, (70, 20), (84, 21)], sessions, 14)
    assert rec.action == "shorten_interval"


def test_one_worse_measure_keeps_the_interval_and_asks_to_re_rate():
    _, rec, _ = review(ESK, [*AT_WEEK_9, (70, 20)], [*LABEL, 70], 14)
    assert rec.action == "continue"
    assert "rerate" in rules_of(rec)


def test_every_reason_names_a_source_in_the_bibliography():
    from ketamine_care.core.bibliography import citations, sources

    known = sources()
    for measures, sessions, every in [
        (AT_WEEK_9, LABEL, 7),
        ([*AT_WEEK_9, (70, 20), (84, 20)], [*LABEL, 70, 84], 14),
        ([(0, 34)], ESK_INDUCTION, 3),
    ]:
        _, rec, _ = review(ESK, measures, sessions, every)
        for reason in rec.reasons:
            found = citations(reason.source)
            assert found, reason
            assert all(c.source_id in known for c in found), reason


def test_missed_sessions_without_worse_measures_continue_rather_than_step_down():
    sessions = [*LABEL, 63, 91]  # weekly, then four weeks without a visit
    state, rec, _ = review(ESK, [*AT_WEEK_9, (63, 7), (91, 7)], sessions, 7)
    assert state.state in ("remission", "sustained_remission")
    assert rec.action == "continue"
    assert "missed_sessions" in rules_of(rec)
    assert "spravato-uspi §2" in rec.reasons[-1].source


def test_the_measure_of_the_visit_before_the_last_still_counts():
    _, rec, _ = review(ESK, AT_WEEK_9, [*LABEL, 63], 7, today=63)
    assert rec.action == "extend_interval"
    _, rec, _ = review(ESK, AT_WEEK_9, [*LABEL, 63, 70], 7, today=70)
    assert rec.action == "continue"
    assert "stale_measure" in rules_of(rec)


def test_a_full_iv_series_opens_weekly_maintenance_before_its_nominal_three_weeks():
    _, rec, _ = review(IV, [(0, 30), (14, 14), (17, 12)], IV_SERIES, 3)  # day 17
    assert (rec.action, rec.target_every_days) == ("extend_interval", 7)
    assert "phillips-2019" in rec.reasons[1].source


def test_a_protocol_without_maintenance_never_steps_down():
    mdsi = "esketamine-mdsi-label"
    _, rec, _ = review(mdsi, [(0, 34), (24, 8)], ESK_INDUCTION, 3)
    assert rec.action == "continue"
    assert "no maintenance schedule" in rec.reasons[-1].message


def test_no_step_down_while_the_dose_went_up():
    sessions = [*[(d, 56) for d in LABEL[:-1]], (56, 84)]
    _, rec, _ = review(ESK, AT_WEEK_9, sessions, 7)
    assert rec.action == "continue"
    assert "dose_rose_while_stable" in rules_of(rec)
