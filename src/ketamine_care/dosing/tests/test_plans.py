"""Treatment plans from plan_course, pinned to a protocol version; moving visits."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.dosing.calendar_grid import month_grids
from ketamine_care.dosing.services import IneligibleForTreatment, create_plan, move_visit
from ketamine_care.patients import services as patients
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd, next_monday, screen, treatable_plan


class PlanTests(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)

    def test_it_refuses_a_plan_without_a_permitting_verdict(self):
        with self.assertRaises(IneligibleForTreatment):
            create_plan(
                patient=self.patient,
                protocol_version=self.version,
                start_date=next_monday(),
                actor=self.prescriber,
            )
        screen(patient=self.patient, version=self.version, actor=self.prescriber, pregnant=True)
        with self.assertRaises(IneligibleForTreatment):  # requires_override, not yet overridden
            create_plan(
                patient=self.patient,
                protocol_version=self.version,
                start_date=next_monday(),
                actor=self.prescriber,
            )

    def test_it_plans_the_series_pinned_to_the_version_and_audits(self):
        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        visits = list(plan.visits.all())
        self.assertEqual(plan.protocol_version, self.version)
        self.assertEqual([v.phase for v in visits[:6]], ["induction"] * 6)
        self.assertEqual(visits[0].dose["dose_mg_per_kg"], 0.5)
        self.assertEqual(visits[0].min_gap_days, 3)
        self.assertTrue(all(v.date.weekday() < 5 for v in visits))
        self.assertTrue(AuditEvent.objects.filter(event_type="plan.created").exists())

    def test_moving_a_visit_is_audited_and_the_minimum_gap_enforced(self):
        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        first, second, third = list(plan.visits.all())[:3]
        with self.assertRaises(ValidationFailed) as caught:
            move_visit(visit=second, new_date=first.date + timedelta(days=1), actor=self.prescriber)
        self.assertIn("at least 3 days after visit 1", caught.exception.message)
        second.refresh_from_db()
        self.assertEqual(second.date, second.planned_date)
        target = third.date - timedelta(days=3)
        if (target - first.date).days >= 3 and target != second.date:
            move_visit(visit=second, new_date=target, actor=self.prescriber, reason="Patient asked")
            event = AuditEvent.objects.get(event_type="plan.visit_moved")
            self.assertEqual(event.changes["new"]["date"], target.isoformat())
            self.assertEqual(event.changes["old"]["date"], second.planned_date.isoformat())

    def test_bad_plan_input_names_the_field(self):
        screen(patient=self.patient, version=self.version, actor=self.prescriber)
        with self.assertRaises(ValidationFailed) as caught:
            create_plan(
                patient=self.patient,
                protocol_version=self.version,
                start_date=next_monday(),
                clinic_days=["funday"],
                actor=self.prescriber,
            )
        self.assertIn("clinic_days", caught.exception.fields)

    def test_a_clinic_maintenance_rhythm_replaces_the_protocols_and_can_step_down(self):
        screen(patient=self.patient, version=self.version, actor=self.prescriber)
        plan = create_plan(
            patient=self.patient,
            protocol_version=self.version,
            start_date=next_monday(),
            horizon_weeks=40,
            maintenance={"every": 1, "unit": "weeks", "step_down_weeks": [2, 4],
                         "visits_per_step": 2},
            actor=self.prescriber,
        )  # fmt: skip
        maintenance = [v.date for v in plan.visits.filter(phase="maintenance")]
        gaps = [(b - a).days for a, b in zip(maintenance, maintenance[1:], strict=False)]
        # Two weekly visits, two every 2 weeks, then every 4 weeks.
        self.assertEqual(gaps[:3], [7, 14, 14])
        self.assertEqual(set(gaps[3:]), {28})
        event = AuditEvent.objects.get(event_type="plan.created")
        self.assertEqual(event.changes["maintenance"]["step_down_weeks"], [2, 4])

    def test_every_eight_weeks_until_a_date(self):
        screen(patient=self.patient, version=self.version, actor=self.prescriber)
        start = next_monday()
        until = start + timedelta(weeks=40)
        plan = create_plan(
            patient=self.patient,
            protocol_version=self.version,
            start_date=start,
            horizon_weeks=60,
            maintenance={"every": 8, "unit": "weeks", "until": until},
            actor=self.prescriber,
        )
        maintenance = [v.date for v in plan.visits.filter(phase="maintenance")]
        self.assertTrue(maintenance)
        self.assertTrue(all(d <= until for d in maintenance))
        gaps = {(b - a).days for a, b in zip(maintenance, maintenance[1:], strict=False)}
        self.assertEqual(gaps, {56})

    def test_an_invalid_maintenance_rhythm_names_the_field_and_saves_nothing(self):
        screen(patient=self.patient, version=self.version, actor=self.prescriber)
        with self.assertRaises(ValidationFailed) as caught:
            create_plan(
                patient=self.patient,
                protocol_version=self.version,
                start_date=next_monday(),
                maintenance={"every": 2, "unit": "weeks", "step_down_weeks": [1]},
                actor=self.prescriber,
            )
        self.assertTrue(any(f.startswith("maintenance") for f in caught.exception.fields))
        self.assertFalse(self.patient.treatment_plans.exists())


class _Visit:
    def __init__(self, day):
        self.date = day


# Visits within three years of a first day anywhere in the century, as a plan's are: the grids
# run from the first visit's month to the last's, and a century of months made each example
# some 1,200 grids (7 s for the 40 examples) without testing anything a few years do not.
@settings(max_examples=40, deadline=None)
@given(
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    st.lists(st.integers(0, 3 * 366), min_size=1, max_size=20),
)
def test_every_visit_appears_exactly_once_in_its_month(first, offsets):
    days = [first + timedelta(days=n) for n in offsets]
    months = month_grids([_Visit(d) for d in days])
    shown = [v for m in months for w in m.weeks for d in w if d.in_month for v in d.visits]
    assert sorted(v.date for v in shown) == sorted(days)
    assert all(len(week) == 7 for month in months for week in month.weeks)
