"""Course planning: the esketamine label schedule, IV series, reviews, maintenance rhythms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.dosing.planning import (
    PlanInputError,
    Recurrence,
    parse_clinic_days,
    plan_course,
)
from ketamine_care.protocols.library import list_protocol_ids, load_definition

MONDAY = date(2025, 1, 6)
ESK = load_definition("esketamine-trd-label")
TRD = load_definition("iv-ketamine-trd")


def _week(start, day):
    return (day - start).days // 7 + 1


def test_esketamine_label_schedule_week_by_week():
    plan = plan_course(ESK, start=MONDAY, horizon_weeks=16)
    per_week = {}
    for visit in plan.visits:
        per_week[_week(MONDAY, visit.date)] = per_week.get(_week(MONDAY, visit.date), 0) + 1
    assert [per_week.get(w, 0) for w in range(1, 5)] == [2, 2, 2, 2]  # induction twice weekly
    assert [per_week.get(w, 0) for w in range(5, 9)] == [1, 1, 1, 1]  # weeks 5-8 weekly
    later = [v.date for v in plan.visits if _week(MONDAY, v.date) >= 9]
    assert all((b - a).days == 14 for a, b in zip(later, later[1:], strict=False))
    phases = [v.phase for v in plan.visits]
    assert phases[:8] == ["induction"] * 8 and set(phases[8:]) == {"maintenance"}


def test_esketamine_first_dose_is_56_mg_then_56_or_84():
    visits = plan_course(ESK, start=MONDAY, horizon_weeks=4).visits
    assert (visits[0].dose["dose_mg"], visits[0].dose["devices"]) == (56, 2)
    assert visits[1].dose["dose_mg"] is None and visits[1].dose["options"] == [56, 84]


def test_end_of_induction_review_for_esketamine():
    plan = plan_course(ESK, start=MONDAY, horizon_weeks=10)
    review = plan.reviews[0]
    assert review.after_visit == 8 and review.date == plan.visits[7].date
    assert "end of induction" in review.purpose


def test_mdsi_is_84_mg_twice_weekly_for_4_weeks():
    plan = plan_course(load_definition("esketamine-mdsi-label"), start=MONDAY)
    assert len(plan.visits) == 8
    assert {v.dose["dose_mg"] for v in plan.visits} == {84}


def test_iv_series_reviews_after_infusion_3_and_end_of_induction():
    plan = plan_course(TRD, start=MONDAY, horizon_weeks=8)
    induction = [v for v in plan.visits if v.phase == "induction"]
    assert len(induction) == 6
    assert induction[-1].date - induction[0].date <= timedelta(weeks=3)
    after = {r.after_visit for r in plan.reviews}
    assert {1, 3, 6} <= after
    review_3 = next(v for v in plan.visits if v.number == 3)
    assert any(a["time_point"] == "review" for a in review_3.assessments)


def test_sc_anxiety_ascends_weekly():
    plan = plan_course(load_definition("sc-ketamine-anxiety"), start=MONDAY, horizon_weeks=3)
    assert [v.dose["dose_mg_per_kg"] for v in plan.visits] == [0.25, 0.5, 1.0]
    assert [(b.date - a.date).days for a, b in zip(plan.visits, plan.visits[1:], strict=False)] == [
        7,
        7,
    ]


def test_clinic_days_are_respected():
    plan = plan_course(TRD, start=MONDAY, clinic_days=parse_clinic_days("tue,fri"), horizon_weeks=4)
    assert {v.date.strftime("%a") for v in plan.visits} <= {"Tue", "Fri"}


def test_every_8_weeks_open_ended_maintenance():
    plan = plan_course(
        TRD, start=MONDAY, horizon_weeks=52, maintenance=Recurrence(every=8, unit="weeks")
    )
    maintenance = [v.date for v in plan.visits if v.phase == "maintenance"]
    assert len(maintenance) >= 5
    assert all((b - a).days == 56 for a, b in zip(maintenance, maintenance[1:], strict=False))


def test_maintenance_until_a_date():
    until = date(2025, 4, 30)
    plan = plan_course(
        TRD,
        start=MONDAY,
        horizon_weeks=52,
        maintenance=Recurrence(every=2, unit="weeks", start=date(2025, 2, 3), until=until),
    )
    maintenance = [v.date for v in plan.visits if v.phase == "maintenance"]
    assert maintenance[0] == date(2025, 2, 3) and maintenance[-1] <= until


def test_step_down_from_weekly_to_2_and_4_weeks():
    plan = plan_course(
        TRD,
        start=MONDAY,
        horizon_weeks=40,
        maintenance=Recurrence(every=1, step_down_weeks=[2, 4], visits_per_step=2),
    )
    days = [v.date for v in plan.visits if v.phase == "maintenance"]
    gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    assert gaps[:5] == [7, 14, 14, 28, 28]
    assert sum("step down" in r.purpose for r in plan.reviews) == 2


def test_step_down_needs_visits_per_step():
    with pytest.raises(ValueError, match="visits_per_step"):
        Recurrence(every=1, step_down_weeks=[2])


def test_single_episode_protocols_plan_one_visit():
    plan = plan_course(load_definition("ed-severe-agitation"), start=date(2025, 1, 11))
    assert len(plan.visits) == 1 and plan.visits[0].date == date(2025, 1, 11)


def test_protocols_without_a_sourced_frequency_need_clinic_input():
    late = load_definition("sc-ketamine-late-life")
    with pytest.raises(PlanInputError) as info:
        plan_course(late, start=MONDAY)
    assert info.value.field == "every_days"
    assert "no published source gives a visit frequency" in info.value.message
    assert len(plan_course(late, start=MONDAY, every_days=7, horizon_weeks=20).visits) == 17
    with pytest.raises(PlanInputError):
        plan_course(load_definition("eating-disorders-research"), start=MONDAY)


@pytest.mark.parametrize("bad", ["", "mon,funday", "xyz"])
def test_bad_clinic_days(bad):
    with pytest.raises(PlanInputError) as info:
        parse_clinic_days(bad)
    assert info.value.field == "clinic_days"


PLANNABLE = [
    p
    for p in list_protocol_ids()
    if p not in {"sc-ketamine-late-life", "eating-disorders-research"}
]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(PLANNABLE),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    st.sets(st.integers(0, 6), min_size=1),
)
def test_visits_never_closer_than_the_protocol_allows(protocol_id, start, days):
    definition = load_definition(protocol_id)
    plan = plan_course(definition, start=start, clinic_days=days, horizon_weeks=20)
    gaps = [b.min_gap_days for b in definition.schedule.blocks if b.min_gap_days]
    smallest = min(gaps) if gaps else 1
    dates = [v.date for v in plan.visits]
    assert dates == sorted(dates)
    assert all((b - a).days >= smallest for a, b in zip(dates, dates[1:], strict=False))
    if definition.schedule.kind == "course":
        assert all(d.weekday() in days for d in dates)


class TestScheduleNotMet:
    """Fewer clinic days than the schedule needs is a warning, never a silent half course."""

    def test_twice_weekly_esketamine_with_one_clinic_day_warns(self):
        plan = plan_course(ESK, start=MONDAY, clinic_days=[0], horizon_weeks=8)
        induction = [v for v in plan.visits if v.phase == "induction"]
        assert len(induction) == 4  # half of the label's 8
        assert plan.warnings[0].startswith("SCHEDULE NOT MET: Induction, weeks 1-4")
        assert "Mon" in plan.warnings[0] and "4 visit(s) could not be planned" in plan.warnings[0]
        assert plan.as_json()["warnings"] == list(plan.warnings)

    def test_iv_series_stretched_by_one_clinic_day_warns(self):
        plan = plan_course(TRD, start=MONDAY, clinic_days=[2], horizon_weeks=12)
        assert any(w.startswith("SCHEDULE NOT MET: Acute series") for w in plan.warnings)

    def test_enough_clinic_days_give_no_such_warning(self):
        plan = plan_course(ESK, start=MONDAY, clinic_days=[0, 3], horizon_weeks=8)
        assert not any("SCHEDULE NOT MET" in w for w in plan.warnings)
        assert plan.as_json()["warnings"] == list(plan.warnings)

    @settings(max_examples=30, deadline=None)
    @given(st.sets(st.integers(0, 6), min_size=1, max_size=7))
    def test_a_short_induction_always_says_so(self, days):
        plan = plan_course(ESK, start=MONDAY, clinic_days=days, horizon_weeks=8)
        induction = sum(1 for v in plan.visits if v.phase == "induction")
        assert (induction < 8) == any("SCHEDULE NOT MET" in w for w in plan.warnings)


class TestConditionalVisits:
    def test_responders_only_maintenance_is_conditional(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=12)
        rows = plan.as_json()["visits"]
        series = [r for r in rows if r["phase"] == "induction"]
        maintenance = [r for r in rows if r["phase"] == "maintenance"]
        assert series and not any(r["conditional"] for r in series)
        assert maintenance and all(r["conditional"] for r in maintenance)
        assert maintenance[0]["condition"].startswith("Responders only")

    def test_clinic_rhythm_keeps_the_condition(self):
        rhythm = Recurrence(every=2, unit="weeks")
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=12, maintenance=rhythm)
        assert all(v.condition for v in plan.visits if v.phase == "maintenance")

    def test_label_weekly_esketamine_maintenance_is_not_conditional(self):
        plan = plan_course(ESK, start=MONDAY, horizon_weeks=8)
        assert not any(v.condition for v in plan.visits)


def test_eu_start_dose_replaces_the_first_planned_dose():
    eu_start = ESK.dose_rule().jurisdiction_starts[0]
    plan = plan_course(ESK, start=MONDAY, horizon_weeks=4, start_dose=eu_start)
    doses = [v.dose["dose_mg"] for v in plan.visits]
    assert doses[0] == 28 and plan.visits[0].dose["devices"] == 1
    assert doses[1:] == [None] * (len(doses) - 1)  # then 28, 56 or 84 as the clinician chooses
    assert {tuple(v.dose["options"]) for v in plan.visits[1:]} == {(28, 56, 84)}
    assert any("EU label: the first dose is 28 mg" in w for w in plan.warnings)


def test_eu_start_leaves_a_later_visit_without_options_as_planned():
    """Only visits that leave the dose to the clinician get the label's doses to choose
    from; a visit with a single planned dose and no options keeps it (test data: the MDSI
    schedule as first shipped, 84 mg only, under the TRD dose rule's EU start)."""
    mdsi = load_definition("esketamine-mdsi-label")
    block = mdsi.schedule.blocks[0].model_copy(update={"dose_sequence": [84], "dose_options": []})
    only_84 = mdsi.model_copy(
        update={"schedule": mdsi.schedule.model_copy(update={"blocks": [block]})}
    )
    eu_start = ESK.dose_rule().jurisdiction_starts[0]
    plan = plan_course(only_84, start=MONDAY, horizon_weeks=1, start_dose=eu_start)
    assert [(v.dose["dose_mg"], v.dose["options"]) for v in plan.visits] == [(28, []), (84, [])]
