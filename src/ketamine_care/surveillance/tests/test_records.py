"""Recording surveillance checks: alerts with their pathway, audit, forms naming bad fields,
what is due on the chart and the day list, the alert feed and acknowledgement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core import alert_feed
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.protocols.library import load_definition
from ketamine_care.surveillance import services
from ketamine_care.surveillance.models import (
    CheckKind,
    LabResult,
    SurveillanceAlert,
    SurveillanceCheck,
)
from ketamine_care.surveillance.queries import patient_doses, patient_surveillance
from ketamine_care.surveillance.schedule import DEFAULT_NOTE
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_older_copy, activate_trd
from ketamine_care.treatment_sessions.models import TreatmentSession

UNITS = {"alt": "U/L", "ast": "U/L", "alp": "U/L", "bilirubin": "mg/dL", "ggt": "U/L"}
ZERO = {"icsi_1": 0, "icsi_2": 0, "icsi_3": 0, "icsi_4": 0}
REQUIRED = {"bladder_review", "liver_tests", "cognitive_screen", "misuse_review", "exposure_review"}


class SurveillanceTestCase(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = clinic_today(cls.clinic)
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)

    def dose(self, days_ago: int, patient=None, version=None):
        version = version or self.version
        when = timezone.now() - timedelta(days=days_ago)
        return TreatmentSession.objects.create(
            clinic=self.clinic,
            patient=patient or self.patient,
            protocol_version=version,
            protocol_id=version.protocol_id,
            drug="ketamine",
            route="iv",
            ad_hoc_reason="surveillance test",
            scheduled_for=when,
            dose_started_at=when,
            created_by=self.nurse,
        )

    def bladder(self, answers=ZERO, haematuria=False, done_on=None, **kwargs):
        return services.record_bladder_review(
            patient=self.patient,
            actor=self.nurse,
            done_on=done_on or self.today,
            answers=answers,
            haematuria=haematuria,
            **kwargs,
        )


class BladderReviewTests(SurveillanceTestCase):
    def test_haematuria_raises_an_urgent_alert_with_the_urology_pathway(self):
        check = self.bladder(haematuria=True)
        (alert,) = check.raised_alerts
        self.assertEqual((alert.rule, alert.tier), ("haematuria", "urgent"))
        self.assertIn("Urology referral", alert.pathway)
        self.assertIn("[@spravato-uspi §5]", alert.source)
        self.assertEqual(check.administration.instrument_code, "icsi")
        events = set(AuditEvent.objects.values_list("event_type", flat=True))
        self.assertLessEqual(
            {"administration.recorded", "surveillance_check.recorded", "surveillance_alert.raised"},
            events,
        )

    def test_the_published_screening_line_raises_the_screen_alert(self):
        below = self.bladder(answers={**ZERO, "icsi_1": 4})
        self.assertEqual(below.administration.total, 4)
        self.assertEqual(below.raised_alerts, [])
        at = self.bladder(answers={**ZERO, "icsi_1": 4, "icsi_4": 1})
        self.assertEqual([a.rule for a in at.raised_alerts], ["icsi_positive"])
        self.assertIn("ICSI total 5 of 20", at.raised_alerts[0].message)

    def test_a_future_date_and_out_of_range_items_are_refused_and_nothing_is_stored(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.bladder(done_on=self.today + timedelta(days=1))
        self.assertIn("done_on", caught.exception.fields)
        with self.assertRaises(ValidationFailed):
            self.bladder(answers={**ZERO, "icsi_2": 6})
        self.assertFalse(SurveillanceAlert.objects.exists())

    def test_the_form_names_the_missing_answer(self):
        url = reverse("surveillance:record", args=[self.patient.public_id, "bladder_review"])
        client = self.client_for(self.nurse)
        response = client.post(url, {"done_on": self.today.isoformat(), **ZERO})
        self.assertEqual(response.status_code, 422)
        self.assertIn("haematuria", response.context["form"].errors)
        response = client.post(url, {"done_on": self.today.isoformat(), **ZERO, "icsi_3": 9})
        self.assertIn("icsi_3", response.context["form"].errors)

    def test_the_alert_joins_the_clinic_feed_and_is_acknowledged_with_a_note(self):
        alert = self.bladder(haematuria=True).raised_alerts[0]
        membership = self.membership(self.nurse)
        (item,) = alert_feed.gather(membership, patient=self.patient)
        self.assertEqual(item.kind, alert_feed.SURVEILLANCE)
        self.assertIn("Urology referral", item.detail)
        self.assertEqual(alert_feed.badge(membership).urgent, 1)
        self.assertEqual(alert_feed.gather(self.membership(self.therapist)), [])
        listed = self.client_for(self.nurse).get(reverse("outcomes:alerts"))
        self.assertContains(listed, "Blood in the urine reported")
        self.assertContains(listed, "Long-term surveillance")
        with self.assertRaises(ValidationFailed):
            services.acknowledge_alert(alert=alert, actor=self.nurse, note=" ")
        client = self.client_for(self.nurse)
        url = reverse("surveillance:acknowledge", args=[alert.public_id])
        self.assertContains(client.get(url), "Urology referral")
        client.post(url, {"note": "Urinalysis sent; urology referral made."})
        alert.refresh_from_db()
        self.assertFalse(alert.is_open)
        self.assertEqual(alert_feed.badge(membership).total, 0)


class OtherChecksTests(SurveillanceTestCase):
    def test_liver_tests_are_stored_with_loinc_and_ucum_and_a_high_value_alerts(self):
        values = [
            services.LabValue("alt", Decimal("80"), "U/L", Decimal("40")),
            services.LabValue("bilirubin", Decimal("0.8"), "mg/dL", Decimal("1.2")),
            services.LabValue("ggt", Decimal("30"), "U/L", Decimal("60")),
        ]
        check = services.record_liver_tests(
            patient=self.patient, actor=self.nurse, done_on=self.today, values=values
        )
        stored = {r.loinc: r.unit for r in LabResult.objects.filter(check_row=check)}
        self.assertEqual(stored, {"1742-6": "U/L", "1975-2": "mg/dL", "2324-2": "U/L"})
        (alert,) = check.raised_alerts
        self.assertEqual(alert.rule, "liver_above_limit")
        self.assertIn("ALT 80 U/L (upper limit 40)", alert.message)

    def test_a_liver_value_without_its_upper_limit_is_refused_naming_the_field(self):
        """Fail safe: ALT 400 with no limit was stored as a check done (its 180-day clock
        reset) and alerted nothing; now it is refused and the liver tests stay due."""
        with self.assertRaises(ValidationFailed) as caught:
            services.record_liver_tests(
                patient=self.patient,
                actor=self.nurse,
                done_on=self.today,
                values=[
                    services.LabValue("alt", Decimal("400"), "U/L"),
                    services.LabValue("ast", Decimal("30"), "U/L", Decimal("40")),
                ],
            )
        self.assertEqual(list(caught.exception.fields), ["alt_upper_limit"])
        self.assertIn("upper limit of normal for ALT", caught.exception.fields["alt_upper_limit"])
        self.assertFalse(SurveillanceCheck.objects.filter(kind=CheckKind.LIVER_TESTS).exists())
        self.assertFalse(LabResult.objects.exists())

    def test_the_liver_form_refuses_a_value_without_its_upper_limit(self):
        url = reverse("surveillance:record", args=[self.patient.public_id, "liver_tests"])
        client = self.client_for(self.nurse)
        posted = {"done_on": self.today.isoformat(), "alt": "400", "alt_unit": "U/L"}
        posted |= {"ast": "30", "ast_unit": "U/L", "ast_upper_limit": "40"}
        posted |= {f"{key}_unit": unit for key, unit in UNITS.items() if key not in posted}
        response = client.post(url, posted)
        self.assertEqual(response.status_code, 422)
        errors = response.context["form"].errors
        self.assertEqual(list(errors), ["alt_upper_limit"])
        self.assertIn("upper limit of normal for ALT", errors["alt_upper_limit"][0])
        self.assertFalse(SurveillanceCheck.objects.filter(kind=CheckKind.LIVER_TESTS).exists())
        response = client.post(url, posted | {"alt_upper_limit": "40"})
        self.assertEqual(response.status_code, 302)
        (check,) = SurveillanceCheck.objects.filter(kind=CheckKind.LIVER_TESTS)
        self.assertEqual([a.rule for a in check.alerts.all()], ["liver_above_limit"])

    def test_a_stored_value_without_a_limit_says_so_on_the_chart(self):
        """Results recorded before the limit was required are not shown as normal."""
        services.record_liver_tests(
            patient=self.patient,
            actor=self.nurse,
            done_on=self.today,
            values=[services.LabValue("alt", Decimal("400"), "U/L", Decimal("40"))],
        )
        LabResult.objects.update(upper_limit=None)
        chart = self.client_for(self.nurse).get(
            reverse("patients:chart", args=[self.patient.public_id])
        )
        self.assertContains(chart, "1742-6 400 U/L (upper limit not given)")

    def test_a_wrong_unit_names_the_field(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.record_liver_tests(
                patient=self.patient,
                actor=self.nurse,
                done_on=self.today,
                values=[services.LabValue("alt", Decimal("10"), "mg/dL")],
            )
        self.assertIn("alt_unit", caught.exception.fields)

    def test_a_licensed_cognitive_screen_keeps_its_total_only(self):
        check = services.record_cognitive_screen(
            patient=self.patient, actor=self.nurse, done_on=self.today, instrument="moca", total=27
        )
        self.assertEqual((check.cognitive_instrument, check.cognitive_total), ("moca", 27))
        with self.assertRaises(ValidationFailed) as caught:
            services.record_cognitive_screen(
                patient=self.patient,
                actor=self.nurse,
                done_on=self.today,
                instrument="moca",
                total=31,
            )
        self.assertIn("total", caught.exception.fields)

    def test_misuse_signals_and_a_positive_drug_screen_alert(self):
        quiet = services.record_misuse_review(
            patient=self.patient, actor=self.nurse, done_on=self.today,
            early_requests=False, dose_escalation=False, craving=False,
        )  # fmt: skip
        self.assertEqual(quiet.raised_alerts, [])
        signal = services.record_misuse_review(
            patient=self.patient, actor=self.nurse, done_on=self.today,
            early_requests=True, dose_escalation=False, craving=True,
        )  # fmt: skip
        self.assertIn("early requests for a dose, craving", signal.raised_alerts[0].message)
        with self.assertRaises(ValidationFailed) as caught:
            services.record_drug_screen(
                patient=self.patient, actor=self.nurse, done_on=self.today, result="positive"
            )
        self.assertIn("detail", caught.exception.fields)
        screen = services.record_drug_screen(
            patient=self.patient, actor=self.nurse, done_on=self.today,
            result="positive", detail="benzodiazepine",
        )  # fmt: skip
        self.assertEqual(screen.raised_alerts[0].rule, "drug_screen_positive")


class DueOnChartAndDayListTests(SurveillanceTestCase):
    def test_doses_give_exposure_and_every_required_check_is_due_until_recorded(self):
        self.dose(10)
        self.dose(3)
        self.assertEqual([d.mg for d in patient_doses(self.patient, self.clinic)], [None, None])
        state = patient_surveillance(self.patient, self.clinic, self.today)
        self.assertEqual(state.exposure.sessions_last_30_days, 2)
        self.assertIn("bladder_review", {d.key for d in state.due})
        client = self.client_for(self.nurse)
        chart = client.get(reverse("patients:chart", args=[self.patient.public_id]))
        self.assertContains(chart, 'id="surveillance-due"')
        self.assertContains(chart, "Record bladder-symptom review")
        self.bladder()
        state = patient_surveillance(self.patient, self.clinic, self.today)
        self.assertNotIn("bladder_review", {d.key for d in state.due})

    def test_the_chart_folds_the_sources_of_the_checks_and_alerts(self):
        self.dose(10)
        self.bladder(haematuria=True)
        chart = self.client_for(self.nurse).get(
            reverse("patients:chart", args=[self.patient.public_id])
        )
        due = chart.content.decode().split('id="surveillance-due"')[1].split("</table>")[0]
        self.assertNotIn("spravato-uspi", due)
        self.assertNotIn("ketalar-uspi", due)
        self.assertContains(chart, '<details id="surveillance-sources">')
        self.assertContains(chart, "Cognitive screen: Spravato US prescribing information")
        self.assertContains(
            chart, '<details class="sources"><summary>Source</summary><p class="muted">'
        )
        self.assertNotContains(chart, "[@spravato-uspi")

    def test_a_clinic_copy_without_a_schedule_is_followed_with_the_default_one(self):
        # A clinic that activated the protocol before its library version carried a schedule.
        version = activate_older_copy(
            clinic=self.clinic,
            director=self.medical_director,
            protocol_id="iv-ketamine-ocd",
            changes={"surveillance": None},
            clinic_values={
                "monitoring.min_observation_min": 60,
                "monitoring.discharge.cadss_threshold": 4,
            },
        )
        self.assertIsNone(version.parsed().surveillance)
        for week in range(52):
            self.dose(7 * week + 1, version=version)
        state = patient_surveillance(self.patient, self.clinic, self.today)
        self.assertEqual(state.protocol.protocol_id, "iv-ketamine-ocd")
        self.assertTrue(state.protocol.default_schedule)
        self.assertEqual({d.key for d in state.due}, REQUIRED)
        self.assertTrue(all(d.status == "overdue" and DEFAULT_NOTE in d.reason for d in state.due))
        chart = self.client_for(self.nurse).get(
            reverse("patients:chart", args=[self.patient.public_id])
        )
        self.assertContains(chart, 'id="surveillance-default-schedule"')
        self.assertContains(chart, "Record liver tests")
        self.assertNotContains(chart, "Nothing due today.")

    def test_the_section_is_hidden_from_roles_without_surveillance(self):
        self.dose(3)
        chart = self.client_for(self.therapist).get(
            reverse("patients:chart", args=[self.patient.public_id])
        )
        self.assertNotContains(chart, 'id="surveillance"')

    def test_another_clinics_patient_answers_404(self):
        url = reverse("surveillance:record", args=[self.other_patient.public_id, "bladder_review"])
        self.assertEqual(self.client_for(self.nurse).get(url).status_code, 404)


class DayListTests(SurveillanceTestCase):
    def test_the_day_list_shows_the_days_patients_with_checks_due(self):
        from ketamine_care.testing.treatment import treatable_plan

        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        visit = plan.visits.order_by("number").first()
        self.dose(5)
        client = self.client_for(self.nurse)
        page = client.get(reverse("dosing:day"), {"date": visit.date.isoformat()})
        self.assertContains(page, 'id="surveillance-day-due"')
        self.assertContains(page, "Bladder-symptom review: due since")


class FormsTests(SurveillanceTestCase):
    def post(self, kind, data):
        url = reverse("surveillance:record", args=[self.patient.public_id, kind])
        return self.client_for(self.nurse).post(url, {"done_on": self.today.isoformat(), **data})

    def test_each_form_names_its_bad_field(self):
        cases = [
            ("liver_tests", {}, "alt"),
            ("liver_tests", {"alt": "-1"}, "alt"),
            ("cognitive_screen", {"instrument": "moca", "total": "31"}, "total"),
            ("misuse_review", {"early_requests": "no", "dose_escalation": "no"}, "craving"),
            ("urine_drug_screen", {"result": "positive"}, "detail"),
            ("exposure_review", {}, "note"),
        ]
        for kind, data, field in cases:
            with self.subTest(kind=kind, data=data):
                response = self.post(kind, data)
                self.assertEqual(response.status_code, 422)
                self.assertIn(field, response.context["form"].errors)

    def test_the_exposure_review_stores_the_figures_shown(self):
        self.dose(2)
        url = reverse("surveillance:record", args=[self.patient.public_id, "exposure_review"])
        page = self.client_for(self.prescriber).get(url)
        self.assertContains(page, "Last 30 days: 1 session, 0 mg")
        # No dose row: a session of unknown dose, said beside the mg it leaves out.
        self.assertContains(page, "1 session in the last 30 days without a recorded dose")
        self.post("exposure_review", {"note": "Interval kept; reviewed with the patient."})
        check = self.patient.surveillance_checks.get(kind="exposure_review")
        self.assertEqual(check.exposure["sessions_last_30_days"], 1)
        self.assertEqual(check.exposure["sessions_without_mg_last_30_days"], 1)

    def test_an_unknown_check_is_404_and_roles_without_it_are_refused(self):
        url = reverse("surveillance:record", args=[self.patient.public_id, "x_ray"])
        self.assertEqual(self.client_for(self.nurse).get(url).status_code, 404)
        url = reverse("surveillance:record", args=[self.patient.public_id, "bladder_review"])
        for user in (self.therapist, self.front_desk, self.researcher):
            self.assertEqual(self.client_for(user).get(url).status_code, 403)


def test_the_protocol_edit_form_offers_the_intervals_and_thresholds_with_units():
    from ketamine_care.protocols.editable_fields import editable_fields

    shipped = load_definition("esketamine-trd-label").model_dump(mode="json")
    fields = {f.path: f for f in editable_fields(shipped, shipped)}
    every = fields["surveillance.items.0.interval.every_days"]
    assert (every.unit, every.current, every.evidence) == ("days", 90, "INSTITUTIONAL")
    mg = fields["surveillance.exposure_thresholds.mg_last_30_days"]
    assert (mg.unit, mg.current, mg.nullable) == ("mg", None, True)
    assert fields["surveillance.items.4.required"].kind == "boolean"
    assert "surveillance.items.0.required" not in fields  # a label-supported check stays on
