"""What a course plan says when the clinic days cannot give the protocol's schedule: the
visits lost to the clinic days are counted, those lost only to the horizon are not, and a
whole series the clinic days stretch says so instead of counting visits lost."""

from __future__ import annotations

from datetime import date

from ketamine_care.dosing.planning import plan_course
from ketamine_care.protocols.library import load_definition

MONDAY = date(2025, 1, 6)
ESK = load_definition("esketamine-trd-label")
TRD = load_definition("iv-ketamine-trd")


class TestScheduleNotMetCounts:
    def test_a_visit_lost_to_clinic_days_in_the_horizons_last_week_is_counted(self):
        # Mondays and Tuesdays cannot give twice weekly 3 days apart: 1 visit lost each week,
        # the 4th week's included: its Thursday is before the horizon, but the clinic days move
        # it to the horizon's own Monday.
        plan = plan_course(ESK, start=MONDAY, clinic_days=[0, 1], horizon_weeks=4)
        assert "4 visit(s) could not be planned and only 4 were" in plan.warnings[0]

    def test_a_whole_series_stretched_by_the_clinic_days_says_so_not_visits_lost(self):
        # Six infusions, twice weekly, on Mondays only: all six are planned, over six weeks.
        # "5 visit(s) could not be planned and only 6 were" read as infusions missing.
        plan = plan_course(TRD, start=MONDAY, clinic_days=[0], horizon_weeks=10)
        assert len([v for v in plan.visits if v.phase == "induction"]) == 6
        assert (
            "all 6 visits were planned, but fewer a week, so they take 6 weeks instead of 3"
            in (plan.warnings[0])
        )
        assert "could not be planned" not in plan.warnings[0]

    def test_a_visit_lost_only_to_the_horizon_is_not_counted_as_a_clinic_day_loss(self):
        # Every day open: the 2 weeks plan 4 visits and the rest of the series is beyond them.
        plan = plan_course(ESK, start=MONDAY, horizon_weeks=2)
        assert not any("SCHEDULE NOT MET" in w for w in plan.warnings)

    def test_a_visit_the_clinic_days_cost_in_a_one_week_horizon_is_counted(self):
        # Fridays only: with every day open, Monday and Thursday would both fit in week 1.
        plan = plan_course(ESK, start=MONDAY, clinic_days=[4], horizon_weeks=1)
        assert "1 visit(s) could not be planned and only 1 were" in plan.warnings[0]

    def test_an_induction_short_of_visits_but_ended_still_gets_its_review(self):
        short = plan_course(ESK, start=MONDAY, clinic_days=[0, 1], horizon_weeks=4)
        assert any("end of induction" in r.purpose for r in short.reviews)
        cut = plan_course(ESK, start=MONDAY, horizon_weeks=2)
        assert not any("end of induction" in r.purpose for r in cut.reviews)
        assert any("the series does not end before the horizon" in w for w in cut.warnings)
