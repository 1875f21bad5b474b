"""A planned visit becomes a session: scheduled or checked in from the day list and the plan
calendar, linked to the visit, the "outside a plan" reason asked only without one; the chair
warning at check-in; late arrivals, no-shows and done visits on the day list and calendar."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.dosing.models import PlannedVisit
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd, treatable_plan
from ketamine_care.treatment_sessions import services, states
from ketamine_care.treatment_sessions.models import TreatmentSession

DAY = "/plans/day/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class PlannedVisitTestCase(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.plan = treatable_plan(
            patient=cls.patient, version=cls.version, prescriber=cls.prescriber
        )
        today = timezone.localdate()
        visits = list(cls.plan.visits.order_by("number"))
        # Visit 1 was yesterday, visit 2 is today; the rest stay in the future.
        PlannedVisit.objects.filter(pk=visits[0].pk).update(date=today - timedelta(days=1))
        PlannedVisit.objects.filter(pk=visits[1].pk).update(date=today)
        cls.yesterday_visit, cls.today_visit = (
            PlannedVisit.objects.get(pk=v.pk) for v in visits[:2]
        )
        cls.later_visit = visits[2]

    def schedule(self, visit=None, **kwargs):
        values = {
            "patient": self.patient,
            "protocol_version": self.version,
            "actor": self.nurse,
            "planned_visit": visit,
        }
        return services.schedule_session(**(values | kwargs))


class ScheduleFromAVisitTests(PlannedVisitTestCase):
    def test_the_day_list_offers_schedule_and_check_in_for_todays_visit(self):
        response = self.client_for(self.nurse).get(DAY)
        self.assertContains(response, f"/sessions/new/?visit={self.today_visit.public_id}")
        self.assertContains(response, f"/sessions/visits/{self.today_visit.public_id}/check-in/")
        self.assertContains(response, "Not scheduled yet")

    def test_scheduling_from_the_visit_links_it_and_asks_no_reason(self):
        client = self.client_for(self.nurse)
        url = f"/sessions/new/?visit={self.later_visit.public_id}"
        page = client.get(url)
        self.assertContains(page, f"For planned visit {self.later_visit.number}")
        self.assertNotContains(page, 'name="ad_hoc_reason"')
        form = page.context["form"]
        self.assertEqual(form.initial["mrn"], self.patient.mrn)
        self.assertEqual(form.initial["protocol_version"], str(self.version.public_id))
        when = form.initial["scheduled_for"]
        self.assertEqual(timezone.localtime(when).date(), self.later_visit.date)
        # Showing the visit's patient is a read of patient data.
        self.assertTrue(
            AuditEvent.objects.filter(event_type="patient.viewed", patient=self.patient).exists()
        )
        response = client.post(
            "/sessions/new/",
            {
                "mrn": self.patient.mrn,
                "protocol_version": str(self.version.public_id),
                "scheduled_for": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M"),
                "planned_visit": str(self.later_visit.public_id),
            },
        )
        self.assertEqual(response.status_code, 302)
        session = TreatmentSession.objects.get(planned_visit=self.later_visit)
        self.assertEqual((session.ad_hoc_reason, session.state), ("", states.SCHEDULED))

    def test_a_session_on_a_day_with_a_planned_visit_is_linked_to_it_without_a_reason(self):
        response = self.client_for(self.nurse).post(
            "/sessions/new/",
            {"mrn": self.patient.mrn, "protocol_version": str(self.version.public_id)},
        )
        self.assertEqual(response.status_code, 302)
        session = TreatmentSession.objects.get(patient=self.patient)
        self.assertEqual(session.planned_visit, self.today_visit)

    def test_the_reason_is_asked_only_when_there_is_no_planned_visit(self):
        other = make_patient(clinic=self.clinic, actor=self.prescriber, mrn="NOPLAN-1")
        response = self.client_for(self.nurse).post(
            "/sessions/new/",
            {"mrn": other.mrn, "protocol_version": str(self.version.public_id)},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("ad_hoc_reason", response.context["form"].errors)
        self.assertFalse(TreatmentSession.objects.filter(patient=other).exists())

    def test_another_clinics_visit_is_a_404(self):
        client = self.client_for(self.outsider)
        for url in (f"/sessions/new/?visit={self.today_visit.public_id}",):
            self.assertEqual(client.get(url).status_code, 404)
        check_in = f"/sessions/visits/{self.today_visit.public_id}/check-in/"
        self.assertEqual(client.post(check_in).status_code, 404)
        self.assertEqual(
            self.client_for(self.nurse)
            .post(f"/sessions/visits/{uuid.uuid4()}/check-in/")
            .status_code,
            404,
        )
        self.assertFalse(TreatmentSession.objects.exists())

    def test_a_visit_becomes_one_session_until_that_one_is_cancelled(self):
        first = self.schedule(self.later_visit)
        with self.assertRaises(ValidationFailed) as caught:
            self.schedule(self.later_visit)
        self.assertIn("already has a session", caught.exception.fields["planned_visit_id"])
        services.cancel_session(session=first, actor=self.nurse, reason="patient rebooked")
        second = self.schedule(self.later_visit)
        self.assertEqual(second.planned_visit, self.later_visit)

    def test_another_patients_visit_is_refused(self):
        other = make_patient(clinic=self.clinic, actor=self.prescriber, mrn="OTHER-2")
        with self.assertRaises(ValidationFailed) as caught:
            self.schedule(self.later_visit, patient=other)
        self.assertIn("another patient", caught.exception.fields["planned_visit_id"])


class VisitLinkInTheApiTests(PlannedVisitTestCase):
    def test_the_api_schedules_a_visit_without_a_reason_and_shows_the_link(self):
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        body = {
            "patient_id": str(self.patient.public_id),
            "protocol_version_id": str(self.version.public_id),
            "planned_visit_id": str(self.later_visit.public_id),
        }
        response = client.post("/api/v1/treatment-sessions", body, content_type="application/json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["planned_visit_id"], str(self.later_visit.public_id))
        self.assertEqual(response.json()["ad_hoc_reason"], "")
        again = client.post("/api/v1/treatment-sessions", body, content_type="application/json")
        self.assertEqual(again.status_code, 422)
        self.assertIn("planned_visit_id", again.json()["fields"])
        listed = client.get("/api/v1/treatment-sessions").json()
        self.assertEqual([s["planned_visit_id"] for s in listed], [str(self.later_visit.public_id)])


class CheckInAVisitTests(PlannedVisitTestCase):
    def post(self, visit, user=None, chair=""):
        client = self.client_for(user or self.nurse)
        return client.post(f"/sessions/visits/{visit.public_id}/check-in/", {"chair_label": chair})

    def test_todays_visit_is_scheduled_and_checked_in_at_once(self):
        response = self.post(self.today_visit, chair="Chair 4")
        session = TreatmentSession.objects.get(planned_visit=self.today_visit)
        self.assertRedirects(
            response, f"/sessions/{session.public_id}/", fetch_redirect_response=False
        )
        self.assertEqual((session.state, session.chair_label), (states.CHECKED_IN, "Chair 4"))
        self.assertIsNotNone(session.checked_in_at)
        events = AuditEvent.objects.filter(object_id=str(session.public_id))
        self.assertEqual(
            sorted(events.values_list("event_type", flat=True)),
            ["session.checked_in", "session.scheduled"],
        )

    def test_the_front_desk_goes_back_to_the_check_in_list(self):
        response = self.post(self.today_visit, user=self.front_desk)
        self.assertRedirects(response, "/sessions/check-in/")

    def test_a_second_check_in_of_the_same_visit_makes_no_second_session(self):
        self.post(self.today_visit)
        response = self.post(self.today_visit)
        self.assertEqual(response.status_code, 302)
        self.assertIn("already has a session", " ".join(messages_of(response)))
        self.assertEqual(TreatmentSession.objects.filter(planned_visit=self.today_visit).count(), 1)

    def test_only_todays_visits_are_checked_in_on_arrival(self):
        with self.assertRaises(StateError):
            services.check_in_visit(visit=self.later_visit, actor=self.nurse)
        response = self.post(self.later_visit)
        self.assertIn("only today's visits", " ".join(messages_of(response)))
        self.assertFalse(TreatmentSession.objects.exists())

    def test_roles_that_do_not_check_in_are_refused(self):
        for user in (self.therapist, self.researcher, self.clinic_admin):
            with self.subTest(user=user.email):
                self.assertEqual(self.post(self.today_visit, user=user).status_code, 403)
        self.assertFalse(TreatmentSession.objects.exists())

    def test_check_in_warns_when_the_chair_is_taken(self):
        seated = make_patient(clinic=self.clinic, actor=self.prescriber, mrn="SEATED-1")
        taken = self.schedule(patient=seated, ad_hoc_reason="walk-in", chair_label="Chair 2")
        services.check_in(session=taken, actor=self.nurse)
        page = self.client_for(self.front_desk).get("/sessions/check-in/")
        self.assertContains(page, "Chairs taken now: <strong>Chair 2</strong>")
        response = self.post(self.today_visit, chair="chair 2")
        warning = " ".join(messages_of(response))
        self.assertIn("chair 2 is already taken by another patient (checked in)", warning)
        # A free chair gets no warning.
        later = self.schedule(self.later_visit, chair_label="Chair 9")
        response = self.client_for(self.nurse).post(
            f"/sessions/{later.public_id}/check-in/", {"chair_label": "Chair 9"}
        )
        self.assertNotIn("already taken", " ".join(messages_of(response)))


class AttendanceOnTheDayListTests(PlannedVisitTestCase):
    def test_a_late_patient_is_marked_late(self):
        self.schedule(self.today_visit, scheduled_for=timezone.now() - timedelta(minutes=40))
        response = self.client_for(self.nurse).get(DAY)
        self.assertContains(response, 'data-status="late">Late</span>')
        self.assertContains(response, "not checked in 40 min after the time set")
        # The scheduled session is checked in from the same row.
        session = TreatmentSession.objects.get(planned_visit=self.today_visit)
        self.assertContains(response, f"/sessions/{session.public_id}/check-in/")

    def test_a_late_arrival_is_noted_after_check_in(self):
        session = self.schedule(
            self.today_visit, scheduled_for=timezone.now() - timedelta(minutes=25)
        )
        services.check_in(session=session, actor=self.nurse)
        response = self.client_for(self.nurse).get(DAY)
        self.assertContains(response, "In clinic: checked in")
        self.assertContains(response, "arrived 25 min late")

    def test_yesterdays_visit_without_a_session_is_a_no_show(self):
        day = self.yesterday_visit.date.isoformat()
        response = self.client_for(self.nurse).get(f"{DAY}?date={day}")
        self.assertContains(response, 'data-status="missed">Missed (no-show)</span>')
        # Nothing is offered for a day that has passed.
        self.assertNotContains(response, f"?visit={self.yesterday_visit.public_id}")


class PlanCalendarTests(PlannedVisitTestCase):
    def url(self):
        return f"/patients/{self.patient.public_id}/plans/{self.plan.public_id}/"

    def test_today_is_highlighted_and_past_visits_show_done_or_missed(self):
        response = self.client_for(self.prescriber).get(self.url())
        self.assertContains(response, 'class="today" aria-current="date"')
        self.assertContains(response, 'data-status="missed">Missed (no-show)</span>')
        self.assertContains(response, f"/sessions/new/?visit={self.later_visit.public_id}")

    def test_a_visit_held_is_done(self):
        session = self.schedule(self.yesterday_visit)
        TreatmentSession.objects.filter(pk=session.pk).update(
            state=states.DISCHARGED, checked_in_at=timezone.now()
        )
        response = self.client_for(self.prescriber).get(self.url())
        self.assertContains(response, 'data-status="done">Done</span>')

    def test_moving_a_visit_off_the_clinic_days_needs_a_confirmation(self):
        visit = self.plan.visits.order_by("number").last()
        saturday = visit.date + timedelta(days=(5 - visit.date.weekday()) % 7 or 7)
        url = (
            f"/patients/{self.patient.public_id}/plans/{self.plan.public_id}/visits/"
            f"{visit.public_id}/move/"
        )
        client = self.client_for(self.prescriber)
        response = client.post(url, {"date": saturday.isoformat()})
        self.assertEqual(response.status_code, 422)
        errors = response.context["form"].errors["date"]
        self.assertIn("Saturday is not one of the plan's clinic days", errors[0])
        self.assertContains(response, 'name="confirm_off_day"', status_code=422)
        visit.refresh_from_db()
        self.assertNotEqual(visit.date, saturday)
        response = client.post(url, {"date": saturday.isoformat(), "confirm_off_day": "on"})
        self.assertEqual(response.status_code, 302)
        visit.refresh_from_db()
        self.assertEqual(visit.date, saturday)
        self.assertIn("not open", " ".join(messages_of(response)))
        page = client.get(self.url())
        self.assertContains(page, "not a clinic day")
