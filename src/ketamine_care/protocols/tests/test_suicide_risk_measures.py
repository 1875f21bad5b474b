"""Every depression, bipolar-depression, PTSD and suicidal-ideation protocol administers a
suicide-risk measure at baseline and at every dosing visit (Spravato boxed warning: monitor
every patient for emerging suicidal thoughts and behaviours)."""

from __future__ import annotations

import pytest

from ketamine_care.protocols.library import list_protocol_ids, load_definition

SUICIDE_RISK_MEASURES = {"cssrs_screener", "phq9"}  # PHQ-9 item 9 where the clinic prefers
FAMILY_INDICATIONS = {"ptsd", "suicidal_ideation", "mdd_with_acute_suicidal_ideation"}
NAMED_IN_THE_REVIEW = {
    "iv-ketamine-trd",
    "esketamine-trd-label",
    "esketamine-mdsi-label",
    "iv-ketamine-bipolar-depression",
    "iv-ketamine-ptsd",
    "iv-ketamine-suicidal-ideation",
    "sc-ketamine-late-life",
    "iv-ketamine-adolescent-research",
}


def needs_suicide_risk_measure(protocol_id: str) -> bool:
    indications = set(load_definition(protocol_id).indications)
    return bool(indications & FAMILY_INDICATIONS) or any("depress" in i for i in indications)


COVERED = [p for p in list_protocol_ids() if needs_suicide_risk_measure(p)]


def test_the_family_covers_every_protocol_the_review_named():
    assert NAMED_IN_THE_REVIEW <= set(COVERED)


@pytest.mark.parametrize("protocol_id", COVERED)
def test_suicide_risk_measure_at_baseline_and_every_dosing_visit(protocol_id):
    schedule = load_definition(protocol_id).monitoring.instruments_at
    risk = [tp for tp in schedule if tp.instrument in SUICIDE_RISK_MEASURES]
    assert any(tp.time_point == "baseline" for tp in risk), "no baseline suicide-risk measure"
    every_visit = [tp for tp in risk if tp.time_point == "pre_dose" and tp.every_session]
    assert every_visit, "no suicide-risk measure before every dose"
    for tp in risk:
        assert "[@spravato-uspi" in tp.source and "[@posner-2011]" in tp.source


@pytest.mark.parametrize("protocol_id", COVERED)
def test_every_planned_visit_lists_the_suicide_risk_measure(protocol_id):
    from ketamine_care.dosing.planning import _assessments

    definition = load_definition(protocol_id)
    for number in (1, 2, 5):
        due = {(a["instrument"], a["time_point"]) for a in _assessments(definition, number, [])}
        assert ("cssrs_screener", "pre_dose") in due
    first = {(a["instrument"], a["time_point"]) for a in _assessments(definition, 1, [])}
    assert ("cssrs_screener", "baseline") in first


@pytest.mark.parametrize("protocol_id", ["esketamine-trd-label", "esketamine-mdsi-label"])
def test_esketamine_protocols_default_to_madrs_remission_at_or_below_12(protocol_id):
    remission = load_definition(protocol_id).outcome.remission
    assert (remission.comparison, remission.value, remission.editable) == ("le", 12, True)
    assert "[@fu-2020]" in remission.source and "[@daly-2019]" in remission.source


KETAMINE_MADRS = [
    p
    for p in list_protocol_ids()
    if load_definition(p).drug == "ketamine" and load_definition(p).outcome.instrument == "madrs"
]


@pytest.mark.parametrize("protocol_id", KETAMINE_MADRS)
def test_iv_and_sc_ketamine_protocols_keep_madrs_remission_at_or_below_10(protocol_id):
    remission = load_definition(protocol_id).outcome.remission
    assert (remission.comparison, remission.value) == ("le", 10)


@pytest.mark.parametrize("protocol_id", COVERED)
def test_completeness_expects_the_suicide_risk_measure_at_baseline_and_each_session(protocol_id):
    from datetime import datetime, timedelta

    from ketamine_care.outcomes.completeness import (
        Received,
        ScheduledMeasure,
        assess_completeness,
        expected_measures,
    )

    definition = load_definition(protocol_id)
    schedule = [
        ScheduledMeasure(tp.instrument, tp.time_point, tp.every_session)
        for tp in definition.monitoring.instruments_at
    ]
    starts = [datetime(2026, 3, 2, 9) + timedelta(days=d) for d in (0, 2, 4)]
    dues = [d for d in expected_measures(schedule, starts) if d.instrument == "cssrs_screener"]
    assert {(d.time_point, d.session_number) for d in dues} == {
        ("baseline", None), ("pre_dose", 1), ("pre_dose", 2), ("pre_dose", 3),
    } and len(dues) == 4  # fmt: skip
    given = [Received("cssrs_screener", datetime(2026, 2, 27, 9), "baseline")]
    given += [Received("cssrs_screener", s - timedelta(minutes=20), "pre_session") for s in starts]
    report = assess_completeness(dues, given, outcome_instrument=definition.outcome.instrument)
    assert report.missing == () and report.received == 4
