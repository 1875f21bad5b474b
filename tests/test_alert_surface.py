"""One alert surface: vital-sign, questionnaire and serious adverse event alerts on Safety
alerts, in the navigation badge and in the banner at the top of the chart and the session."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from ketamine_care.accounts.models import Role
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.alert_feed import badge, open_groups
from ketamine_care.core.templatetags.clinic_time import clinic_time
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.testing.measures import phq9, record
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import SessionAlert
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


def severe(session, nurse, minutes_ago, systolic=205):
    services.record_vitals(
        session=session,
        actor=nurse,
        readings=[
            {"measured_at": ago(minutes_ago), "bp_systolic_mmhg": systolic, "bp_diastolic_mmhg": 90}
        ],
    )


def normal(session, nurse, minutes_ago):
    reading = {"measured_at": ago(minutes_ago), "bp_systolic_mmhg": 128, "bp_diastolic_mmhg": 80}
    services.record_vitals(session=session, actor=nurse, readings=[reading])


class AlertSurfaceTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        other_director = make_user("md@elsewhere.clinic", cls.other_clinic, Role.MEDICAL_DIRECTOR)
        cls.other_nurse = make_user("rn@elsewhere.clinic", cls.other_clinic, Role.NURSE)
        cls.other_version = activate(cls.other_clinic, other_director)

    def setUp(self):
        self.session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        # Two episodes of the same urgent rule (BP at or above 200/120 once), a normal
        # reading between them: two alerts of one rule for one patient.
        severe(self.session, self.nurse, 50)
        normal(self.session, self.nurse, 45)
        severe(self.session, self.nurse, 30)
        # Before the session (a rating after the first dose with none before has no baseline).
        record(self.patient, self.nurse, "phq9", phq9(6, item9=1), days_ago=1)
        other = dosing_session(
            self.other_patient, self.other_version, self.other_nurse, self.outsider
        )
        severe(other, self.other_nurse, 20)

    def alerts_page(self, user, query=""):
        return self.client_for(user).get("/alerts/" + query)

    def test_the_page_lists_session_and_questionnaire_alerts_grouped(self):
        rule_alerts = SessionAlert.objects.filter(session=self.session, rule="bp_above_200_120")
        self.assertEqual(rule_alerts.count(), 2)
        page = self.alerts_page(self.nurse)
        body = page.content.decode()
        self.assertContains(page, "BP at or above 200/120 mmHg after dosing", count=1)
        self.assertContains(page, '<strong class="alert-count">2 alerts</strong>', html=True)
        first, latest = (timezone.localtime(a.triggered_at) for a in rule_alerts)
        self.assertIn(f"first {clinic_time(first)}, latest {clinic_time(latest)}", body)
        self.assertContains(page, "PHQ-9 item 9")
        self.assertContains(page, "Questionnaire")
        self.assertContains(page, "Vital signs")
        self.assertContains(page, f'href="/sessions/{self.session.public_id}/#session-alerts"')

    def test_urgent_comes_first_then_the_longest_waiting(self):
        body = self.alerts_page(self.nurse).content.decode()
        urgent = body.index("BP at or above 200/120 mmHg after dosing")
        # Two warnings: the BP warning (first raised 50 min ago) has waited longer than the
        # PHQ-9 alert, raised when the rating was recorded.
        warning = body.index("BP at or above 180/110 mmHg after dosing")
        questionnaire = body.index("PHQ-9 item 9")
        self.assertLess(urgent, warning)
        self.assertLess(warning, questionnaire)

    def test_a_serious_adverse_event_is_listed_for_the_medical_director(self):
        services.record_adverse_event(
            session=self.session,
            actor=self.nurse,
            event_type="hypertension",
            severity="severe",
            serious=True,
            action_taken="Transferred",
            outcome="transferred",
        )
        page = self.alerts_page(self.medical_director)
        self.assertContains(page, "Serious adverse event:")
        self.assertContains(page, 'data-kind="Serious adverse event"')

    def test_another_clinics_alerts_are_never_listed_or_counted(self):
        page = self.alerts_page(self.nurse, "?status=all")
        self.assertNotContains(page, "Other, Olive")
        self.assertNotContains(self.alerts_page(self.nurse), "Other, Olive")
        mine = SessionAlert.objects.filter(session__clinic=self.clinic, acknowledged_at=None)
        questionnaires = SafetyAlert.objects.filter(clinic=self.clinic).open().count()
        membership = self.membership(self.nurse)
        with self.assertNumQueries(1):  # every feed's count in one statement, on every page
            count = badge(membership)
        self.assertEqual(count.total, mine.count() + questionnaires)
        self.assertEqual(count.urgent, mine.filter(tier="urgent").count())
        self.assertGreater(
            SessionAlert.objects.filter(session__clinic=self.other_clinic).count(), 0
        )

    def test_a_therapist_sees_questionnaire_alerts_only_and_cannot_acknowledge(self):
        page = self.alerts_page(self.therapist)
        self.assertContains(page, "PHQ-9 item 9")
        self.assertNotContains(page, "200/120")
        self.assertNotContains(page, "Acknowledge…")
        self.assertNotContains(page, "Acknowledge on the session")
        self.assertEqual(badge(self.membership(self.therapist)).total, 1)

    def test_the_navigation_badge_counts_the_open_alerts_and_marks_urgent(self):
        page = self.client_for(self.nurse).get("/patients/")
        total = badge(self.membership(self.nurse)).total
        self.assertContains(page, 'id="alert-badge" class="nav-badge urgent"')
        self.assertContains(page, f"</span>{total}<span")
        self.assertNotContains(self.client_for(self.front_desk).get("/patients/"), "alert-badge")

    def test_the_banner_is_at_the_top_of_the_chart_and_the_session(self):
        for url in (f"/patients/{self.patient.public_id}/", f"/sessions/{self.session.public_id}/"):
            body = self.client_for(self.nurse).get(url).content.decode()
            main = body[body.index('<main id="main"') :]
            banner = main.index('class="alert-banner tier-urgent"')
            self.assertLess(banner, main.index("<h1"), url)
            # Grouped: BP >= 200/120 twice, its >= 180/110 warning twice, the sustained
            # >= 180/110 once and the PHQ-9 item 9 alert.
            self.assertIn("4 open alerts for Jamie Rivera", main)
            self.assertIn("(2 alerts since", main)

    def test_the_banner_goes_when_every_alert_is_acknowledged(self):
        for alert in SessionAlert.objects.filter(session=self.session):
            services.acknowledge_alert(alert=alert, actor=self.nurse, action_taken="Rechecked")
        alert = SafetyAlert.objects.get(patient=self.patient)
        response = self.client_for(self.nurse).post(
            f"/alerts/{alert.public_id}/acknowledge/", {"note": "Phoned; no plan or intent."}
        )
        self.assertRedirects(response, f"/patients/{self.patient.public_id}/")
        chart = self.client_for(self.nurse).get(f"/patients/{self.patient.public_id}/")
        self.assertContains(chart, '<div id="alert-banner">')
        self.assertNotContains(chart, "alert-banner tier-")
        self.assertNotContains(chart, "alert-badge")
        done = self.alerts_page(self.nurse, "?status=acknowledged")
        self.assertContains(done, "Acknowledged: Rechecked")
        self.assertContains(done, "Acknowledged: Phoned; no plan or intent.")

    def test_the_history_tabs_page_through_the_alerts(self):
        for minutes in range(60, 0, -1):
            severe(self.session, self.nurse, minutes + 100, systolic=200 + minutes % 2)
            normal(self.session, self.nurse, minutes + 99.5)
        first = self.alerts_page(self.nurse, "?status=all")
        self.assertContains(first, "Page 1")
        self.assertContains(first, "page=2")
        second = self.alerts_page(self.nurse, "?status=all&page=2")
        self.assertContains(second, "Previous")
        self.assertEqual(self.alerts_page(self.nurse, "?status=all&page=x").status_code, 200)

    def test_listing_the_alerts_is_audited_with_the_patients_shown(self):
        self.alerts_page(self.nurse)
        event = AuditEvent.objects.filter(event_type="alerts.listed").latest("id")
        self.assertEqual(event.actor, self.nurse)
        self.assertIn(str(self.patient.public_id), str(event.changes))


class FeedItemTests(ClinicTestCase):
    def test_a_critical_questionnaire_alert_is_urgent_and_sorts_before_a_warning(self):
        record(self.patient, self.nurse, "phq9", phq9(6, item9=1))
        record(self.patient, self.nurse, "cssrs_screener", [1, 1, 1, 1, 0, 0, 0])
        rows = open_groups(self.membership(self.nurse), patient=self.patient)
        self.assertEqual([row.rule for row in rows], ["cssrs_high_risk", "phq9_item9_positive"])
        self.assertEqual([row.tier for row in rows], ["urgent", "warning"])
        self.assertTrue(all("suicidality" in row.tags for row in rows))

    def test_the_banner_can_answer_as_an_out_of_band_swap(self):
        record(self.patient, self.nurse, "phq9", phq9(6, item9=1))
        request = RequestFactory().get("/")
        request.membership = self.membership(self.nurse)
        template = Template("{% load alert_feed %}{% alert_banner patient oob=True %}")
        html = template.render(Context({"request": request, "patient": self.patient}))
        self.assertIn('<div id="alert-banner" hx-swap-oob="true">', html)
        self.assertIn("PHQ-9 item 9", html)
        other = Template("{% load alert_feed %}{% alert_banner patient %}").render(
            Context({"request": request, "patient": self.other_patient})
        )
        self.assertNotIn("alert-banner tier-", other)
