"""A US clinic at 17:00 local time, when UTC is already tomorrow: its lots, its weights, its
day lists and its clock are the clinic's, not the server's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.models import Clinic
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.inventory import queries as inventory_queries
from ketamine_care.inventory.services import draw_stock
from ketamine_care.inventory.services.posting import LotExpired
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.inventory import make_ketamine_vials, receive
from ketamine_care.testing.treatment import treatable_plan
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.prechecks import MET, MISSING
from ketamine_care.treatment_sessions.tests.factories import (
    DAY_OF_SESSION_CLEAR,
    activate,
    screened_session,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
MONDAY = date(2027, 6, 14)
FIVE_PM = datetime(2027, 6, 14, 17, 0, tzinfo=PACIFIC)  # 00:00 UTC on Tuesday


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PACIFIC)


class PacificClinicTestCase(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Clinic.objects.filter(pk=cls.clinic.pk).update(time_zone="America/Los_Angeles")
        cls.clinic.refresh_from_db()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        traveller = time_machine.travel(FIVE_PM, tick=True)
        self.clock = traveller.start()
        self.addCleanup(traveller.stop)
        self.assertEqual(timezone.now().date(), date(2027, 6, 15))  # tomorrow in UTC


class LotExpiryTests(PacificClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.vials = make_ketamine_vials(clinic=cls.clinic, actor=cls.clinic_admin)

    def test_a_lot_expiring_today_is_still_usable_at_five_pm(self):
        lot = receive(self.vials, self.clinic_admin, 2, expiry_date=MONDAY)
        self.assertIn(lot, inventory_queries.usable_lots(self.clinic))
        entry = draw_stock(lot=lot, actor=self.nurse, quantity=Decimal("2"), unit="ml")
        self.assertEqual(entry.balance_after, Decimal("18"))

    def test_a_lot_that_expired_yesterday_is_still_refused(self):
        lot = receive(self.vials, self.clinic_admin, 2, expiry_date=MONDAY - timedelta(days=1))
        self.assertNotIn(lot, inventory_queries.usable_lots(self.clinic))
        with self.assertRaises(LotExpired):
            draw_stock(lot=lot, actor=self.nurse, quantity=Decimal("2"), unit="ml")

    def test_the_lot_page_marks_expiry_by_the_clinics_date(self):
        today = receive(self.vials, self.clinic_admin, 1, lot_number="TODAY", expiry_date=MONDAY)
        page = self.client_for(self.clinic_admin).get(f"/inventory/lots/{today.public_id}/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "expired</span>")

    def test_the_api_says_the_lot_is_not_expired(self):
        receive(self.vials, self.clinic_admin, 1, lot_number="TODAY", expiry_date=MONDAY)
        _, token = issue_api_token(membership=self.membership(self.clinic_admin), name="t")
        client = Client(headers={"authorization": f"Bearer {token}"})
        (row,) = client.get("/api/v1/inventory/lots").json()
        self.assertEqual((row["lot_number"], row["expired"]), ("TODAY", False))


class TodaysWeightTests(PacificClinicTestCase):
    def checked_in_session(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        return session

    def weight_status(self, session) -> str:
        results = {r.key: r for r in services.pre_check_results(session)}
        return results["weight_today"].status

    def record_weight(self, session):
        services.record_pre_checks(
            session=session,
            actor=self.nurse,
            weight_kg=Decimal("70"),
            escort_confirmed=True,
            consent_on_file=True,
            concomitant={"benzodiazepine": False},
            pregnancy_test="negative",
            day_of_session=DAY_OF_SESSION_CLEAR,
        )

    def test_a_weight_taken_before_five_pm_pacific_counts_as_todays_after_it(self):
        self.clock.move_to(at(16, 50))  # 23:50 UTC, Monday
        session = self.checked_in_session()
        self.record_weight(session)
        self.clock.move_to(at(17, 10))  # 00:10 UTC, Tuesday
        self.assertEqual(self.weight_status(session), MET)
        session.refresh_from_db()
        self.assertIsNotNone(session.pre_checks.calculated_dose_mg)

    def test_yesterdays_weight_is_not_todays(self):
        self.clock.move_to(at(23, 50, MONDAY - timedelta(days=1)))
        session = self.checked_in_session()
        self.record_weight(session)
        self.clock.move_to(at(0, 10))
        self.assertEqual(self.weight_status(session), MISSING)


class DayListTests(PacificClinicTestCase):
    def schedule(self, patient, when):
        return screened_session(patient, self.version, self.prescriber, scheduled_for=when)

    def test_the_check_in_list_shows_todays_local_visits_at_their_local_times(self):
        early = make_patient(clinic=self.clinic, actor=self.prescriber, family_name="Early")
        late = make_patient(clinic=self.clinic, actor=self.prescriber, family_name="Evening")
        later = make_patient(clinic=self.clinic, actor=self.prescriber, family_name="Tomorrow")
        self.schedule(early, at(8, 15))  # 15:15 UTC Monday
        self.schedule(late, at(17, 30))  # 00:30 UTC Tuesday: still Monday here
        self.schedule(later, at(9, 0, MONDAY + timedelta(days=1)))  # 16:00 UTC Tuesday
        page = self.client_for(self.front_desk).get("/sessions/check-in/")
        self.assertContains(page, "Check-in · 2027-06-14")
        self.assertContains(page, "<td>08:15</td>", html=True)
        self.assertContains(page, "<td>17:30</td>", html=True)
        self.assertContains(page, "Early")
        self.assertContains(page, "Evening")
        self.assertNotContains(page, "Tomorrow")

    def test_the_day_list_of_planned_visits_is_the_clinics_today(self):
        treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber, start=MONDAY
        )
        page = self.client_for(self.prescriber).get("/plans/day/")
        self.assertContains(page, 'data-day="2027-06-14"')
        self.assertContains(page, self.patient.family_name)

    def test_a_visit_not_checked_in_by_five_pm_is_late_not_a_no_show(self):
        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber, start=MONDAY
        )
        services.schedule_session(
            patient=self.patient,
            protocol_version=self.version,
            actor=self.front_desk,
            planned_visit=plan.visits.get(date=MONDAY),
            scheduled_for=at(16, 30),
        )
        page = self.client_for(self.nurse).get("/plans/day/")
        self.assertContains(page, "not checked in 30 min after the time set")
        self.assertNotContains(page, "Missed (no-show)")

    def test_a_visit_is_checked_in_on_its_local_day_and_not_the_day_before(self):
        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber, start=MONDAY
        )
        visit = plan.visits.get(date=MONDAY)
        self.clock.move_to(at(23, 30, MONDAY - timedelta(days=1)))  # Monday in UTC already
        with self.assertRaises(Exception) as caught:
            services.check_in_visit(visit=visit, actor=self.front_desk)
        self.assertIn("only today's visits", str(caught.exception))
        self.clock.move_to(at(17, 5))
        session = services.check_in_visit(visit=visit, actor=self.front_desk)
        self.assertEqual(timezone.localtime(session.checked_in_at, PACIFIC).hour, 17)


class ClockPerRequestTests(PacificClinicTestCase):
    def test_pages_show_times_in_the_clinics_zone_and_the_zone_is_reset_after(self):
        self.clock.move_to(at(8, 0))
        screened_session(self.patient, self.version, self.prescriber, scheduled_for=at(8, 45))
        page = self.client_for(self.front_desk).get("/sessions/check-in/")
        self.assertContains(page, "<td>08:45</td>", html=True)  # 15:45 in UTC
        self.assertEqual(timezone.get_current_timezone_name(), "UTC")

    def test_another_clinic_in_another_zone_keeps_its_own_day(self):
        Clinic.objects.filter(pk=self.other_clinic.pk).update(time_zone="Asia/Tokyo")
        director = make_user("director@elsewhere.clinic", self.other_clinic, "medical_director")
        other_version = activate(self.other_clinic, director)
        tokyo = ZoneInfo("Asia/Tokyo")
        when = datetime(2027, 6, 15, 10, 0, tzinfo=tokyo)  # 18:00 Pacific on Monday
        screened_session(self.other_patient, other_version, self.outsider, scheduled_for=when)
        page = self.client_for(self.outsider).get("/sessions/check-in/")
        self.assertContains(page, "Check-in · 2027-06-15")
        self.assertContains(page, "<td>10:00</td>", html=True)

    def test_a_future_onset_is_judged_by_the_clinics_date(self):
        from ketamine_care.patients.services import add_diagnosis

        def add(code: str, onset: date):
            return add_diagnosis(
                patient=self.patient,
                actor=self.prescriber,
                icd10_code=code,
                label="Recurrent depression",
                onset_date=onset,
            )

        add("F33.2", MONDAY)  # today here, though yesterday in UTC
        with self.assertRaises(ValidationFailed) as caught:
            add("F33.1", MONDAY + timedelta(days=1))
        self.assertIn("onset_date", caught.exception.fields)


class AdministrationPageTests(PacificClinicTestCase):
    def test_the_clinic_admin_sees_the_clinics_zone_and_local_time(self):
        self.clock.move_to(at(17, 5))
        page = self.client_for(self.clinic_admin).get("/accounts/administration/")
        self.assertContains(page, "<strong>America/Los_Angeles</strong>", html=True)
        self.assertContains(page, "now 14 Jun 2027, 17:05")
