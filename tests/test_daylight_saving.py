"""A dosing session across the two daylight-saving changes of a Pacific clinic: "minutes since
the dose" is real elapsed time, and the screens show each time as the clinic's wall clock
read it (with the zone named in the hour that happens twice)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import time_machine
from django.utils import timezone

from ketamine_care.accounts.models import Clinic
from ketamine_care.core.clock import clinic_zone
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.queries import readings_with_minutes
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    complete_pre_checks,
    screened_session,
)

BP = {"bp_systolic_mmhg": 128, "bp_diastolic_mmhg": 80, "heart_rate_bpm": 74}


class DaylightSavingSessionTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Clinic.objects.filter(pk=cls.clinic.pk).update(time_zone="America/Los_Angeles")
        cls.clinic.refresh_from_db()
        cls.zone = clinic_zone(cls.clinic)
        cls.version = activate(cls.clinic, cls.medical_director)

    def travel(self, when: datetime):
        traveller = time_machine.travel(when, tick=True)
        traveller.start()
        self.addCleanup(traveller.stop)

    def local(self, *args, fold: int = 0) -> datetime:
        """A wall-clock time as the clinic's form parses it: in the clinic's zone."""
        return datetime(*args, fold=fold, tzinfo=self.zone)

    def dosed_session(self, started_at: datetime, ended_at: datetime):
        """Check-in, pre-checks and an infusion entered as local wall-clock times."""
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        complete_pre_checks(session, self.nurse)
        services.start_dosing(session=session, actor=self.nurse)
        session.refresh_from_db()
        services.record_dose(
            session=session,
            actor=self.nurse,
            checked_by=self.prescriber,
            checked_by_password=PASSWORD,
            dose_mg=Decimal(str(session.pre_checks.calculated_dose_mg)),
            product="Ketamine 50 mg/mL",
            lot_number="L1",
            expiry_date=timezone.now().date().replace(year=2030),
            infusion_started_at=started_at,
            infusion_ended_at=ended_at,
        )
        services.start_monitoring(session=session, actor=self.nurse)
        session.refresh_from_db()
        return session

    def page(self, session) -> str:
        response = self.client_for(self.nurse).get(f"/sessions/{session.public_id}/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_spring_forward_minutes_since_the_dose_skip_the_missing_hour(self):
        self.travel(datetime(2027, 3, 14, 10, 40, tzinfo=UTC))  # 03:40 PDT
        # 01:30 PST to 03:10 PDT is 40 minutes, though the wall clock moved 100.
        start, end = self.local(2027, 3, 14, 1, 30), self.local(2027, 3, 14, 3, 10)
        session = self.dosed_session(start, end)
        self.assertEqual(session.dose_started_at, datetime(2027, 3, 14, 9, 30, tzinfo=UTC))
        self.assertEqual(session.minute_of(end), 40)
        services.record_vitals(
            session=session,
            actor=self.nurse,
            readings=[{"measured_at": self.local(2027, 3, 14, 3, 20), **BP}],
        )
        (minute,) = [r["minute"] for r in readings_with_minutes(session) if r["minute"] >= 0]
        self.assertEqual(minute, 50)
        html = self.page(session)
        self.assertInHTML('<td>03:20</td><td class="num">50</td>', html)
        self.assertIn("minute 70 since dose start", html)

    def test_fall_back_minutes_since_the_dose_count_the_repeated_hour_once(self):
        self.travel(datetime(2027, 11, 7, 9, 30, tzinfo=UTC))  # 01:30 PST, the second time
        # 01:40 PDT to 01:10 PST is 30 minutes, though the wall clock says 30 minutes back.
        start = self.local(2027, 11, 7, 1, 40)
        end = self.local(2027, 11, 7, 1, 10, fold=1)
        session = self.dosed_session(start, end)
        self.assertEqual(session.dose_started_at, datetime(2027, 11, 7, 8, 40, tzinfo=UTC))
        self.assertEqual(session.doses.get().infusion_ended_at, end.astimezone(UTC))
        services.record_vitals(
            session=session,
            actor=self.nurse,
            readings=[
                {"measured_at": self.local(2027, 11, 7, 1, 50), **BP},  # PDT: minute 10
                {"measured_at": self.local(2027, 11, 7, 1, 20, fold=1), **BP},  # PST: 40
            ],
        )
        minutes = sorted(r["minute"] for r in readings_with_minutes(session) if r["minute"] >= 0)
        self.assertEqual(minutes, [10, 40])
        html = self.page(session)
        self.assertInHTML('<td>01:50 PDT</td><td class="num">10</td>', html)
        self.assertInHTML('<td>01:20 PST</td><td class="num">40</td>', html)
        self.assertIn("minute 50 since dose start", html)

    def test_an_infusion_end_entered_before_its_start_is_still_refused(self):
        self.travel(datetime(2027, 11, 7, 9, 30, tzinfo=UTC))
        with self.assertRaises(Exception) as caught:
            self.dosed_session(
                self.local(2027, 11, 7, 1, 10, fold=1), self.local(2027, 11, 7, 1, 40)
            )
        self.assertIn("infusion_ended_at", getattr(caught.exception, "fields", {}))

    def test_a_typed_time_in_the_repeated_hour_is_refused_and_nothing_saved(self):
        # 01:20 happens twice that night: the form cannot know which, so it asks again
        # rather than guess an hour wrong. Nothing is saved.
        self.travel(datetime(2027, 11, 7, 9, 30, tzinfo=UTC))
        session = self.dosed_session(
            self.local(2027, 11, 7, 1, 40), self.local(2027, 11, 7, 1, 10, fold=1)
        )
        before = session.readings.count()
        client = self.client_for(self.nurse)
        url = f"/sessions/{session.public_id}/vitals/"
        response = client.post(
            url, {"measured_at": "2027-11-07T01:20", **BP}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "America/Los_Angeles", status_code=422)
        self.assertEqual(session.readings.count(), before)
        # A time outside the repeated hour is read in the clinic's zone and stored in UTC.
        response = client.post(
            url, {"measured_at": "2027-11-07T00:55", **BP}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(session.readings.count(), before + 1)
        entered = datetime(2027, 11, 7, 7, 55, tzinfo=UTC)  # 00:55 PDT
        self.assertTrue(session.readings.filter(measured_at=entered).exists())
