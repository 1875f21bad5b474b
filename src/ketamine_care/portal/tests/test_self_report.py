from datetime import timedelta

from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.instruments.models import Administration, Source
from ketamine_care.outcomes.crisis import CLINIC_ALERTED, CLINIC_NOT_ALERTED
from ketamine_care.outcomes.models import ClinicSafetySettings, SafetyAlert
from ketamine_care.portal.models import SelfReportLink
from ketamine_care.portal.services import create_link
from ketamine_care.testing.base import ClinicTestCase


def answers(code: str, values) -> dict:
    from ketamine_care.instruments.definition import load_definition

    ids = load_definition(code).item_ids
    return {f"{code}__{i}": str(v) for i, v in zip(ids, values, strict=True)}


class SelfReportTests(ClinicTestCase):
    def setUp(self):
        cache.clear()  # the portal's rate limit counts per address

    def new_link(self, codes=("phq9", "gad7"), hours=72):
        link, token = create_link(
            patient=self.patient, actor=self.nurse, instrument_codes=list(codes),
            expires_in_hours=hours,
        )  # fmt: skip
        return link, f"/self-report/{token}/"

    def test_only_a_hash_of_the_token_is_stored(self):
        link, url = self.new_link()
        token = url.split("/")[2]
        self.assertNotIn(token.split(":")[0], link.token_sha256)
        self.assertEqual(len(link.token_sha256), 64)
        self.assertTrue(AuditEvent.objects.filter(event_type="self_report_link.created").exists())

    def test_the_page_shows_the_first_name_and_the_questionnaires_only(self):
        _, url = self.new_link()
        response = Client().get(url)
        self.assertContains(response, "Hello Jamie")
        self.assertContains(response, "Little interest or pleasure in doing things")
        self.assertContains(response, 'name="gad7__gad7_7"')
        for secret in (self.patient.family_name, self.patient.mrn, "1985"):
            self.assertNotContains(response, secret)
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertIn("no-store", response["Cache-Control"])

    def test_a_calm_submission_records_self_reports_and_thanks_the_patient(self):
        link, url = self.new_link()
        data = {**answers("phq9", [1] * 8 + [0]), **answers("gad7", [1] * 7)}
        response = Client().post(url, data)
        self.assertContains(response, "Thank you, Jamie")
        rows = Administration.objects.order_by("instrument_code")
        self.assertEqual([(a.instrument_code, a.total) for a in rows], [("gad7", 7), ("phq9", 8)])
        self.assertTrue(all(a.source == Source.SELF_REPORT and a.entered_by is None for a in rows))
        link.refresh_from_db()
        self.assertIsNotNone(link.used_at)
        self.assertFalse(SafetyAlert.objects.exists())

    def test_a_positive_safety_item_shows_crisis_resources_and_alerts_the_clinic(self):
        _, url = self.new_link()
        data = {**answers("phq9", [0] * 8 + [2]), **answers("gad7", [0] * 7)}
        response = Client().post(url, data)
        self.assertContains(response, "988 Suicide &amp; Crisis Lifeline")
        self.assertContains(response, "911")
        alert = SafetyAlert.objects.get()
        self.assertEqual((alert.clinic, alert.rule_id), (self.clinic, "phq9_item9_positive"))

    def test_a_low_risk_cssrs_alerts_the_clinic_and_says_so(self):
        _, url = self.new_link(codes=["cssrs_screener"])
        response = Client().post(url, answers("cssrs_screener", [1, 1, 0, 0, 0, 0, 0]))
        self.assertContains(response, "988 Suicide &amp; Crisis Lifeline")
        alert = SafetyAlert.objects.get()
        self.assertEqual((alert.rule_id, alert.severity), ("cssrs_low_risk", "moderate"))
        self.assertEqual(alert.patient, self.patient)
        self.assertContains(response, CLINIC_ALERTED)

    def test_the_crisis_screen_never_says_the_clinic_was_told_when_no_alert_fired(self):
        # The clinic moved the QIDS item-12 alert to 3: an answer of 2 raises the item's
        # suicidality flag (crisis screen) but no alert reaches the clinic.
        ClinicSafetySettings.objects.create(
            clinic=self.clinic, rule_values={"qids_item12_active_ideation": 3}
        )
        _, url = self.new_link(codes=["qids_sr16"])
        qids = [0] * 16
        qids[11] = 2
        response = Client().post(url, answers("qids_sr16", qids))
        self.assertEqual(Administration.objects.get().flags, ["suicidality"])
        self.assertFalse(SafetyAlert.objects.exists())
        self.assertContains(response, "988 Suicide &amp; Crisis Lifeline")
        self.assertNotContains(response, "has been told")
        self.assertContains(response, CLINIC_NOT_ALERTED)

    def test_a_positive_audit_c_thanks_the_patient_without_the_crisis_screen(self):
        self.patient.sex = "female"
        self.patient.save(update_fields=["sex"])
        _, url = self.new_link(codes=["audit_c"])
        response = Client().post(url, answers("audit_c", [1, 1, 1]))
        self.assertEqual(Administration.objects.get().flags, ["audit_c_positive"])
        self.assertContains(response, "Thank you, Jamie")
        self.assertNotContains(response, "Please reach out for support now")
        self.assertFalse(SafetyAlert.objects.exists())

    def test_a_positive_audit_c_beside_a_suicide_item_still_shows_the_crisis_screen(self):
        _, url = self.new_link(codes=["audit_c", "phq9"])
        data = {**answers("audit_c", [4, 4, 4]), **answers("phq9", [0] * 8 + [1])}
        response = Client().post(url, data)
        self.assertContains(response, "988 Suicide &amp; Crisis Lifeline")
        self.assertContains(response, CLINIC_ALERTED)

    def test_the_crisis_text_is_the_clinics_own_when_set(self):
        ClinicSafetySettings.objects.create(
            clinic=self.clinic, crisis_resources_text="Call the Test Clinic crisis line."
        )
        _, url = self.new_link(codes=["cssrs_screener"])
        response = Client().post(url, answers("cssrs_screener", [1, 1, 1, 1, 1, 0, 0]))
        self.assertContains(response, "Test Clinic crisis line")
        self.assertEqual(SafetyAlert.objects.get().severity, "critical")

    def test_missing_answers_answer_422_and_save_nothing(self):
        link, url = self.new_link()
        response = Client().post(url, answers("phq9", [1] * 9))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "still need an answer", status_code=422)
        self.assertFalse(Administration.objects.exists())
        link.refresh_from_db()
        self.assertIsNone(link.used_at)

    def test_used_expired_and_forged_links_get_the_same_page(self):
        used_link, used = self.new_link(codes=["gad7"])
        Client().post(used, answers("gad7", [0] * 7))
        expired_link, expired = self.new_link(codes=["gad7"])
        SelfReportLink.objects.filter(pk=expired_link.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        _, genuine = self.new_link(codes=["gad7"])
        forged = genuine[:-3] + ("A/" if genuine[-3] != "A" else "B/")
        pages = [Client().get(url) for url in (used, expired, forged, "/self-report/x/")]
        self.assertEqual({p.status_code for p in pages}, {404})
        bodies = {p.content.replace(p.wsgi_request.path.encode(), b"") for p in pages}
        self.assertEqual(len(bodies), 1)
        self.assertContains(pages[0], "This link cannot be used", status_code=404)
        self.assertNotContains(pages[0], "Jamie", status_code=404)
        self.assertEqual(Client().post(used, answers("gad7", [0] * 7)).status_code, 404)
        self.assertEqual(Administration.objects.count(), 1)

    def test_the_form_is_csrf_protected(self):
        _, url = self.new_link(codes=["gad7"])
        client = Client(enforce_csrf_checks=True)
        self.assertEqual(client.post(url, answers("gad7", [0] * 7)).status_code, 403)
        self.assertFalse(Administration.objects.exists())

    @override_settings(PORTAL_REQUESTS_PER_10_MINUTES=3)
    def test_it_rate_limits_each_address(self):
        statuses = [Client().get("/self-report/forged/").status_code for _ in range(4)]
        self.assertEqual(statuses, [404, 404, 404, 429])


class LinkScreenTests(ClinicTestCase):
    def test_a_clinician_creates_a_link_and_sees_its_url_and_qr_code(self):
        client = self.client_for(self.therapist)
        url = f"/self-report/new/{self.patient.public_id}/"
        form = client.get(url)
        self.assertContains(form, 'value="qids_sr16"')
        self.assertNotContains(form, 'value="madrs"')  # clinician-rated
        self.assertContains(form, 'value="72"')
        response = client.post(url, {"instruments": ["phq9"], "expires_in_hours": "72"})
        self.assertContains(response, "http://testserver/self-report/")
        self.assertContains(response, "<svg")
        link = SelfReportLink.objects.get()
        self.assertEqual((link.instrument_codes, link.created_by), (["phq9"], self.therapist))
        self.assertAlmostEqual(
            (link.expires_at - timezone.now()).total_seconds(), 72 * 3600, delta=60
        )

    def test_a_clinician_rated_instrument_is_refused(self):
        url = f"/self-report/new/{self.patient.public_id}/"
        response = self.client_for(self.nurse).post(
            url, {"instruments": ["madrs"], "expires_in_hours": "72"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertFalse(SelfReportLink.objects.exists())
