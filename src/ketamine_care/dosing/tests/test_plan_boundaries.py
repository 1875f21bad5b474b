"""Course planning at its edges: visit dates, counts and intervals from the protocols' schedules,
the minimum gap met exactly or missed by a day, the horizon's last day, review offsets, the
clinic's maintenance rhythm and the `plan --json` contract.

Schedules are the protocols' own (`protocols/library/*.json`): esketamine twice weekly in weeks
1-4, weekly in weeks 5-8, then every 2 weeks [@spravato-uspi §2]; IV PTSD Monday-Wednesday-
Friday [@shiroma-2014]; IV AUD 3 infusions a week apart [@grabski-2022]; SC anxiety weekly
ascending doses [@glue-2017]. Dates are test data (6 January 2025 is a Monday).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ketamine_care.dosing.planning import PlanInputError, Recurrence, plan_course
from ketamine_care.protocols.library import load_definition

MONDAY = date(2025, 1, 6)
EVERY_DAY = range(7)
ESK = load_definition("esketamine-trd-label")
MDSI = load_definition("esketamine-mdsi-label")
TRD = load_definition("iv-ketamine-trd")
PTSD = load_definition("iv-ketamine-ptsd")
AUD = load_definition("iv-ketamine-aud")
LATE_LIFE = load_definition("sc-ketamine-late-life")


def _d(month, day):
    return date(2025, month, day)


def _dates(plan, phase=None):
    return [v.date for v in plan.visits if phase is None or v.phase == phase]


def _gaps(days):
    return [(b - a).days for a, b in zip(days, days[1:], strict=False)]


def _reviews(plan):
    return [(r.after_visit, r.date) for r in plan.reviews]


class TestVisitDates:
    def test_esketamine_induction_is_monday_and_thursday_for_4_weeks(self):
        plan = plan_course(ESK, start=MONDAY, horizon_weeks=16)
        assert _dates(plan, "induction") == [
            _d(1, 6), _d(1, 9), _d(1, 13), _d(1, 16),
            _d(1, 20), _d(1, 23), _d(1, 27), _d(1, 30),
        ]  # fmt: skip
        assert [v.number for v in plan.visits] == list(range(1, len(plan.visits) + 1))

    def test_esketamine_weeks_5_to_8_weekly_then_every_2_weeks(self):
        plan = plan_course(ESK, start=MONDAY, horizon_weeks=16)
        maintenance = _dates(plan, "maintenance")
        weekly, fortnightly = maintenance[:4], maintenance[4:]
        for week in range(4):  # weeks 5-8: one visit in each
            first_day = MONDAY + timedelta(weeks=4 + week)
            assert first_day <= weekly[week] < first_day + timedelta(days=7)
        assert all(gap >= 7 for gap in _gaps(_dates(plan)[7:9]))
        assert _gaps(fortnightly) == [14, 14, 14]
        assert fortnightly[0] >= MONDAY + timedelta(weeks=8)
        assert len(plan.visits) == 16 and plan.warnings == ()

    def test_ptsd_series_is_monday_wednesday_friday_for_2_weeks(self):
        plan = plan_course(PTSD, start=MONDAY, horizon_weeks=3)
        assert _dates(plan) == [_d(1, 6), _d(1, 8), _d(1, 10), _d(1, 13), _d(1, 15), _d(1, 17)]
        assert _reviews(plan) == [(6, _d(1, 17)), (6, _d(1, 24))]  # end of series, 1 week on

    def test_iv_trd_series_then_weekly_maintenance_of_4(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=8)
        assert _dates(plan, "induction") == [
            _d(1, 6), _d(1, 9), _d(1, 13), _d(1, 16), _d(1, 20), _d(1, 23)
        ]  # fmt: skip
        weekly = _dates(plan, "maintenance")[:4]
        assert len(weekly) == 4 and _gaps(weekly) == [7, 7, 7]
        assert (weekly[0] - _d(1, 23)).days >= 7
        assert _reviews(plan) == [(1, _d(1, 6)), (3, _d(1, 13)), (6, _d(1, 23)), (6, _d(1, 30))]

    def test_aud_three_infusions_a_week_apart_and_the_6_month_outcome(self):
        plan = plan_course(AUD, start=MONDAY, horizon_weeks=4)
        assert _dates(plan) == [_d(1, 6), _d(1, 13), _d(1, 20)]
        assert _reviews(plan) == [(3, _d(1, 20)), (3, _d(1, 20) + timedelta(days=180))]
        assert {v.dose["dose_mg_per_kg"] for v in plan.visits} == {0.8}

    @pytest.mark.parametrize(
        ("protocol", "offsets"),
        [
            ("iv-ketamine-bipolar-depression", [0, 2]),
            ("iv-ketamine-ocd", [7]),
            ("iv-ketamine-suicidal-ideation", [1, 7]),
        ],
    )
    def test_single_infusion_reviews_fall_their_offset_after_it(self, protocol, offsets):
        plan = plan_course(load_definition(protocol), start=MONDAY, horizon_weeks=1)
        assert _dates(plan) == [MONDAY]
        assert _reviews(plan) == [(1, MONDAY + timedelta(days=n)) for n in offsets]

    def test_a_single_episode_is_one_visit_at_the_protocols_default_dose(self):
        plan = plan_course(load_definition("ed-procedural-sedation"), start=MONDAY)
        assert len(plan.visits) == 1 and plan.reviews == ()
        assert plan.visits[0].dose["route"] == "iv"
        assert plan.visits[0].dose["dose_mg_per_kg"] == 1.0  # adults 1.0 mg/kg [@green-2011]


class TestMinimumGap:
    def test_twice_weekly_from_a_wednesday_on_every_day_is_exactly_3_days_apart(self):
        plan = plan_course(ESK, start=_d(1, 8), clinic_days=EVERY_DAY, horizon_weeks=2)
        assert _dates(plan) == [_d(1, 8), _d(1, 11), _d(1, 15), _d(1, 18)]

    @pytest.mark.parametrize(
        ("clinic_days", "per_week"),
        [((0, 1), 1), ((0, 2), 1), ((0, 3), 2), ((1, 4), 2)],  # 1 or 2 days apart < 3-day gap
    )
    def test_two_clinic_days_give_twice_weekly_only_3_days_apart(self, clinic_days, per_week):
        plan = plan_course(ESK, start=MONDAY, clinic_days=clinic_days, horizon_weeks=2)
        assert len(_dates(plan)) == 2 * per_week
        assert any("SCHEDULE NOT MET" in w for w in plan.warnings) is (per_week < 2)
        assert all(gap >= 3 for gap in _gaps(_dates(plan)))


class TestHorizon:
    @pytest.mark.parametrize(("weeks", "visits"), [(1, 1), (2, 2), (3, 3)])
    def test_a_visit_on_the_horizons_day_is_not_planned(self, weeks, visits):
        plan = plan_course(AUD, start=MONDAY, horizon_weeks=weeks)
        assert len(plan.visits) == visits
        assert all(d < MONDAY + timedelta(weeks=weeks) for d in _dates(plan))
        truncated = any("only" in w and "fit before the horizon" in w for w in plan.warnings)
        assert truncated is (visits < 3)

    def test_a_review_after_a_visit_beyond_the_horizon_is_not_planned(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=1)
        assert len(plan.visits) == 2
        assert 3 not in {r.after_visit for r in plan.reviews}
        assert any(w.startswith("review not planned") for w in plan.warnings)

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"horizon_weeks": 0}, "horizon_weeks"),
            ({"every_days": 0}, "every_days"),
            ({"clinic_days": []}, "clinic_days"),
            ({"clinic_days": [7]}, "clinic_days"),
            ({"clinic_days": [-1, 0]}, "clinic_days"),
        ],
    )
    def test_planning_input_that_cannot_work(self, kwargs, field):
        with pytest.raises(PlanInputError) as info:
            plan_course(TRD, start=MONDAY, **kwargs)
        assert info.value.field == field

    def test_the_smallest_inputs_that_can_work(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=1, every_days=1, clinic_days=[0])
        assert _dates(plan) == [MONDAY]


class TestClinicInputFrequency:
    """SC late life: no sourced visit frequency, so the clinic gives every_days."""

    def test_titration_every_7_days_then_maintenance_at_the_titrated_dose(self):
        plan = plan_course(LATE_LIFE, start=MONDAY, every_days=7, horizon_weeks=20)
        titration = _dates(plan, "induction")
        assert len(titration) == 5 and _gaps(titration) == [7, 7, 7, 7]
        maintenance = [v for v in plan.visits if v.phase == "maintenance"]
        assert len(maintenance) == 12
        assert (maintenance[0].date - titration[-1]).days == 7
        assert {v.dose["dose_mg_per_kg"] for v in maintenance} == {None}
        assert all(v.condition for v in maintenance)

    def test_every_day_skips_days_the_clinic_is_closed(self):
        plan = plan_course(LATE_LIFE, start=MONDAY, every_days=1, horizon_weeks=2)
        assert _dates(plan)[:6] == [_d(1, 6), _d(1, 7), _d(1, 8), _d(1, 9), _d(1, 10), _d(1, 13)]
        assert any("only 5 of 12 visits fit before the horizon" in w for w in plan.warnings)


class TestClinicMaintenanceRhythm:
    def test_by_default_it_starts_one_interval_after_the_last_series_infusion(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=8, maintenance=Recurrence(every=2))
        assert _dates(plan, "maintenance") == [_d(2, 6), _d(2, 20)]

    @pytest.mark.parametrize(("until", "last"), [(_d(3, 3), _d(3, 3)), (_d(3, 2), _d(2, 17))])
    def test_until_includes_its_own_day(self, until, last):
        rhythm = Recurrence(every=2, start=_d(2, 3), until=until)
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=12, maintenance=rhythm)
        maintenance = _dates(plan, "maintenance")
        assert maintenance[0] == _d(2, 3) and maintenance[-1] == last
        assert set(_gaps(maintenance)) == {14}

    def test_a_rhythm_closer_than_the_protocols_gap_is_spaced_at_the_gap(self):
        rhythm = Recurrence(every=2, unit="days")
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=6, maintenance=rhythm)
        assert min(_gaps(_dates(plan, "maintenance"))) >= 3
        assert any("closer than the protocol's 3-day minimum gap" in w for w in plan.warnings)

    def test_a_rhythm_at_the_protocols_gap_needs_no_warning(self):
        rhythm = Recurrence(every=3, unit="days")
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=5, maintenance=rhythm)
        assert _gaps(_dates(plan, "maintenance"))[:1] == [3]
        assert plan.warnings == ()


class TestPlannedDoses:
    def test_esketamine_devices_follow_the_planned_mg(self):
        plan = plan_course(MDSI, start=MONDAY, horizon_weeks=4)
        assert {(v.dose["dose_mg"], v.dose["devices"]) for v in plan.visits} == {(84, 3)}
        assert {v.dose["dose_mg_per_kg"] for v in plan.visits} == {None}

    def test_weight_based_visits_plan_mg_per_kg_and_no_devices(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=4)
        assert {(v.dose["dose_mg"], v.dose["devices"]) for v in plan.visits} == {(None, None)}
        assert {v.dose["dose_mg_per_kg"] for v in plan.visits} == {0.5}

    def test_sc_anxiety_maintenance_continues_at_1_mg_per_kg(self):
        plan = plan_course(load_definition("sc-ketamine-anxiety"), start=MONDAY, horizon_weeks=5)
        assert [v.dose["dose_mg_per_kg"] for v in plan.visits] == [0.25, 0.5, 1.0, 1.0, 1.0]
        assert _gaps(_dates(plan)) == [7, 7, 7, 7]


class TestAssessmentsAndContract:
    def test_baseline_instruments_only_at_the_first_visit(self):
        visits = plan_course(TRD, start=MONDAY, horizon_weeks=2).visits
        assert any(a["time_point"] == "baseline" for a in visits[0].assessments)
        assert not any(a["time_point"] == "baseline" for v in visits[1:] for a in v.assessments)

    def test_a_same_day_review_adds_its_instruments_to_that_visit_only(self):
        visits = plan_course(TRD, start=MONDAY, horizon_weeks=3).visits
        reviews = {
            v.number: [a for a in v.assessments if a["time_point"] == "review"] for v in visits
        }
        assert reviews[3] == [{"instrument": "madrs", "time_point": "review", "minutes": None}]
        assert reviews[2] == reviews[4] == reviews[5] == []

    def test_a_later_review_adds_nothing_to_the_visit(self):
        visit = plan_course(load_definition("iv-ketamine-ocd"), start=MONDAY).visits[0]
        assert not any(a["time_point"] == "review" for a in visit.assessments)

    def test_the_plan_json_contract(self):
        plan = plan_course(load_definition("iv-ketamine-ocd"), start=MONDAY, horizon_weeks=1)
        data = plan.as_json()
        assert list(data) == ["protocol", "visits", "reviews", "warnings"]
        assert data["protocol"] == "iv-ketamine-ocd" and data["warnings"] == []
        visit = data["visits"][0]
        assert {k: v for k, v in visit.items() if k != "assessments"} == {
            "date": "2025-01-06",
            "number": 1,
            "phase": "induction",
            "dose": {
                "route": "iv",
                "basis": "mg_per_kg",
                "dose_mg": None,
                "dose_mg_per_kg": 0.5,
                "options": [],
                "devices": None,
            },
            "conditional": False,
            "condition": None,
        }
        assert visit["assessments"] == list(plan.visits[0].assessments)
        assert data["reviews"] == [
            {
                "after_visit": 1,
                "date": "2025-01-13",
                "purpose": plan.reviews[0].purpose,
            }
        ]

    def test_a_conditional_visit_says_so_in_json(self):
        rows = plan_course(TRD, start=MONDAY, horizon_weeks=5).as_json()["visits"]
        first = next(r for r in rows if r["phase"] == "maintenance")
        assert first["conditional"] is True and first["condition"].startswith("Responders only")


class TestMorePlanEdges:
    def test_each_assessment_names_instrument_time_point_and_minutes(self):
        visit = plan_course(load_definition("iv-ketamine-ocd"), start=MONDAY).visits[0]
        assert {"instrument": "ybocs", "time_point": "baseline", "minutes": None} in (
            visit.assessments
        )
        assert {tuple(a) for a in visit.assessments} == {("instrument", "time_point", "minutes")}

    def test_a_single_episode_visit_has_no_dose_choices(self):
        visit = plan_course(load_definition("ed-severe-agitation"), start=MONDAY).visits[0]
        assert (visit.phase, visit.dose["options"]) == ("induction", [])

    def test_a_protocol_without_a_schedule_names_the_protocol(self):
        with pytest.raises(PlanInputError) as info:
            plan_course(load_definition("eating-disorders-research"), start=MONDAY)
        assert info.value.field == "protocol"

    def test_the_eu_start_fixes_the_first_dose_then_offers_the_eu_doses(self):
        """EU, 65 and older: 28 mg on day 1, then 28, 56 or 84 mg [@spravato-eu-smpc §4.2]."""
        eu_start = ESK.dose_rule().jurisdiction_starts[0]
        plan = plan_course(ESK, start=MONDAY, horizon_weeks=1, start_dose=eu_start)
        assert [v.dose["dose_mg"] for v in plan.visits] == [28, None]
        assert [v.dose["options"] for v in plan.visits] == [[], [28, 56, 84]]

    def test_a_clinic_rhythm_after_a_series_without_maintenance_keeps_its_dose(self):
        plan = plan_course(AUD, start=MONDAY, horizon_weeks=8, maintenance=Recurrence(every=2))
        maintenance = [v for v in plan.visits if v.phase == "maintenance"]
        assert [v.date for v in maintenance] == [_d(2, 3), _d(2, 17)]
        assert {v.dose["dose_mg_per_kg"] for v in maintenance} == {0.8}

    def test_a_clinic_rhythm_takes_the_first_maintenance_blocks_condition(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=8, maintenance=Recurrence(every=2))
        maintenance = [v for v in plan.visits if v.phase == "maintenance"]
        assert maintenance and all(v.condition.startswith("Responders only") for v in maintenance)

    def test_no_rhythm_visit_is_pushed_past_until_by_a_closed_day(self):
        # Every 2 weeks from Saturday 15 February: Monday 17 February, then Saturday 1 March
        # would move to Monday 3 March, after `until` (Sunday 2 March).
        rhythm = Recurrence(every=2, start=_d(2, 15), until=_d(3, 2))
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=12, maintenance=rhythm)
        assert _dates(plan, "maintenance") == [_d(2, 17)]

    def test_titration_visits_carry_the_start_dose_and_a_short_horizon_says_so(self):
        plan = plan_course(LATE_LIFE, start=MONDAY, every_days=7, horizon_weeks=4)
        assert [(v.dose["dose_mg_per_kg"], v.dose["options"]) for v in plan.visits] == [
            (0.1, [])
        ] * 4
        assert "Dose titration, up to 5 sessions: only 4 of 5 visits fit before the horizon" in (
            plan.warnings
        )

    def test_a_clinic_rhythm_for_esketamine_keeps_the_labels_dose_choices(self):
        plan = plan_course(ESK, start=MONDAY, horizon_weeks=12, maintenance=Recurrence(every=2))
        maintenance = [v for v in plan.visits if v.phase == "maintenance"]
        assert maintenance and all(v.dose["options"] == [56, 84] for v in maintenance)

    def test_a_schedule_not_met_says_what_was_needed_and_how_many_were_missed(self):
        plan = plan_course(ESK, start=MONDAY, clinic_days=[0], horizon_weeks=8)
        assert "needs 2 visits a week at least 3 days apart" in plan.warnings[0]
        assert "allow fewer: 4 visit(s) could not be planned and only 4 were" in plan.warnings[0]
        aud = plan_course(AUD, start=MONDAY, clinic_days=[0], horizon_weeks=4)
        assert not any("SCHEDULE NOT MET" in w for w in aud.warnings)  # weekly fits Mondays


class TestReviewsAtTheEdges:
    """Where reviews fall when the horizon cuts a series, and the clinic's step-down reviews."""

    def test_a_series_cut_by_the_horizon_gets_no_end_of_series_review(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=1)  # 2 of 6 infusions fit
        assert _reviews(plan) == [(1, MONDAY)]  # only the 4-hour check after infusion 1
        cut = [w for w in plan.warnings if "the series does not end before the horizon" in w]
        assert len(cut) == 2  # the end-of-series review and the relapse check after it

    def test_a_whole_series_gets_its_end_of_series_review_after_the_last_infusion(self):
        plan = plan_course(TRD, start=MONDAY, horizon_weeks=3)
        assert (6, _d(1, 23)) in _reviews(plan) and (6, _d(1, 30)) in _reviews(plan)
        assert not any("review not planned" in w for w in plan.warnings)

    def test_a_review_beyond_the_horizon_does_not_hide_a_later_listed_one(self):
        early, third, *_ = TRD.schedule.reviews
        reordered = TRD.model_copy(
            update={"schedule": TRD.schedule.model_copy(update={"reviews": [third, early]})}
        )
        plan = plan_course(reordered, start=MONDAY, horizon_weeks=1)
        assert _reviews(plan) == [(1, MONDAY)]

    def test_each_step_down_review_falls_on_the_last_visit_at_the_old_interval(self):
        plan = plan_course(
            TRD,
            start=MONDAY,
            horizon_weeks=40,
            maintenance=Recurrence(every=1, step_down_weeks=[2, 4], visits_per_step=2),
        )
        steps = [
            (r.after_visit, r.date, r.purpose) for r in plan.reviews if "step down" in r.purpose
        ]
        # Series: 6 infusions to 23 January; weekly maintenance 30 January and 6 February.
        assert [(n, d) for n, d, _ in steps] == [(8, _d(2, 6)), (10, _d(3, 6))]
        assert "from every 1 to every 2 weeks" in steps[0][2]
        assert "from every 2 to every 4 weeks" in steps[1][2]
