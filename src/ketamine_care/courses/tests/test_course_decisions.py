"""Course review on the chart and the plan page; accepting re-spaces the plan's visits through
the audited visit moves, declining needs a reason; roles and clinics are kept apart."""

from __future__ import annotations

from ketamine_care.accounts.models import Role
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.clock import clinic_today
from ketamine_care.courses.models import CourseDecision
from ketamine_care.courses.queries import plan_review
from ketamine_care.demo.courses import course_for
from ketamine_care.demo.treatment import NO_CADSS
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient

SUSTAINED = [12, 10, 9, 8, 8, 7]


class CourseDecisionTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate_protocol(
            clinic=cls.clinic,
            protocol_id="esketamine-trd-label",
            actor=cls.medical_director,
            clinic_values=NO_CADSS,
        )
        cls.plan = course_for(
            cls.patient, cls.version, prescriber=cls.prescriber, nurse=cls.nurse, days=66,
            shape=SUSTAINED,
        )  # fmt: skip
        other = make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn="C-2")
        cls.loss_plan = course_for(
            other, cls.version, prescriber=cls.prescriber, nurse=cls.nurse, days=73,
            shape=[10, 9, 8, 20, 21],
        )  # fmt: skip

    def url(self, name, plan=None):
        plan = plan or self.plan
        return f"/patients/{plan.patient.public_id}/plans/{plan.public_id}/course-review/{name}/"

    def test_the_review_reads_the_record(self):
        review = plan_review(self.plan)
        self.assertEqual(review.state.state, "sustained_remission")
        self.assertEqual(review.recommendation.action, "extend_interval")
        self.assertEqual(
            (review.recommendation.every_days, review.recommendation.target_every_days), (7, 14)
        )
        self.assertGreater(review.exposure.sessions_last_365_days, 10)
        self.assertEqual(plan_review(self.loss_plan).state.state, "loss_of_response")

    def test_chart_and_plan_page_show_the_recommendation_with_sources(self):
        client = self.client_for(self.nurse)
        for url in (f"/patients/{self.patient.public_id}/", self.plan_url()):
            page = client.get(url).content.decode()
            self.assertIn("Course review", page)
            self.assertIn("Space the visits further apart", page)
            self.assertIn("<details", page)
            self.assertIn("Spravato US prescribing information", page)
            self.assertNotIn('id="course-accept"', page)  # the nurse sees it read-only
        page = self.client_for(self.prescriber).get(self.plan_url()).content.decode()
        self.assertIn('id="course-accept"', page)

    def plan_url(self):
        return f"/patients/{self.patient.public_id}/plans/{self.plan.public_id}/"

    def test_accepting_re_spaces_the_remaining_visits_through_the_visit_moves(self):
        today = clinic_today(self.clinic)
        before = list(self.plan.visits.filter(date__gt=today).order_by("number"))
        response = self.client_for(self.prescriber).post(
            self.url("accept"), {"course-action": "extend_interval"}
        )
        self.assertEqual(response.status_code, 302)
        after = list(self.plan.visits.filter(number__gte=before[0].number).order_by("number"))
        gaps = {(b.date - a.date).days for a, b in zip(after, after[1:], strict=False)}
        self.assertTrue(gaps and min(gaps) >= 14, gaps)
        self.assertEqual(len(after), len(before))  # the number of visits does not change
        decision = CourseDecision.objects.get(plan=self.plan)
        self.assertEqual((decision.decision, decision.action), ("accepted", "extend_interval"))
        moves = AuditEvent.objects.filter(event_type="plan.visit_moved", patient=self.patient)
        self.assertEqual(moves.count(), len(decision.visits_moved))
        self.assertTrue(
            AuditEvent.objects.filter(
                event_type="course.recommendation_accepted", patient=self.patient
            ).exists()
        )
        # The plan now runs every 2 weeks: the label's least frequent interval.
        self.assertEqual(plan_review(self.plan).recommendation.action, "continue")
        page = self.client_for(self.prescriber).get(self.plan_url()).content.decode()
        self.assertIn('id="course-decisions"', page)

    def test_declining_needs_a_reason_and_leaves_the_plan(self):
        dates = list(self.plan.visits.values_list("date", flat=True))
        client = self.client_for(self.prescriber)
        client.post(self.url("decline"), {"course-action": "extend_interval"})
        self.assertFalse(CourseDecision.objects.exists())
        client.post(
            self.url("decline"),
            {"course-action": "extend_interval", "course-reason": "Exams next month."},
        )
        decision = CourseDecision.objects.get()
        self.assertEqual((decision.decision, decision.reason), ("declined", "Exams next month."))
        self.assertEqual(list(self.plan.visits.values_list("date", flat=True)), dates)
        self.assertTrue(
            AuditEvent.objects.filter(event_type="course.recommendation_declined").exists()
        )

    def test_a_stale_recommendation_is_not_applied(self):
        self.client_for(self.prescriber).post(
            self.url("accept"), {"course-action": "shorten_interval"}
        )
        self.assertFalse(CourseDecision.objects.exists())

    def test_loss_of_response_shortening_is_recorded_without_a_shorter_rung(self):
        review = plan_review(self.loss_plan)
        self.assertEqual(review.recommendation.action, "shorten_interval")
        self.client_for(self.prescriber).post(
            self.url("accept", self.loss_plan), {"course-action": "shorten_interval"}
        )
        self.assertEqual(CourseDecision.objects.get().visits_moved, [])

    def test_only_roles_that_change_plans_decide(self):
        for role in Role:
            if role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR):
                continue
            response = self.client_for(self.users[role]).post(
                self.url("accept"), {"course-action": "extend_interval"}
            )
            self.assertEqual(response.status_code, 403, role)
        self.assertFalse(CourseDecision.objects.exists())

    def test_another_clinics_plan_answers_404(self):
        response = self.client_for(self.outsider).post(
            self.url("accept"), {"course-action": "extend_interval"}
        )
        self.assertEqual(response.status_code, 404)
