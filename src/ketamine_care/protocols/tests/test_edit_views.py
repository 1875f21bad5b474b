"""The medical director edits a protocol with forms: one field per value, a diff to confirm,
refusals that name the field, nothing saved half-way, every save audited."""

from __future__ import annotations

from django.urls import reverse

from ketamine_care.audit.models import AuditEvent
from ketamine_care.protocols.models import ProtocolVersion, VersionStatus
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd

DEFAULT = "dose__iv__default"
MAX = "dose__iv__allowed_max"
SPO2 = "monitoring__alert_thresholds__12__conditions__0__value"


class DraftFormTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.active = activate_trd(clinic=cls.clinic, director=cls.medical_director)

    def setUp(self) -> None:
        self.client = self.client_for(self.medical_director)
        self.url = reverse("protocols:new_draft", args=["iv-ketamine-trd"])

    def current_values(self) -> dict:
        page = self.client.get(self.url)
        form = page.context["form"]
        data = {}
        for name, field in form.fields.items():
            value = form[name].value()
            if field.__class__.__name__ == "BooleanField":
                if value:
                    data[name] = "on"
            elif value is not None:
                data[name] = field.prepare_value(value)
        return data

    def drafts(self):
        return ProtocolVersion.objects.filter(status=VersionStatus.DRAFT)

    def test_each_value_has_a_field_with_unit_range_shipped_default_and_folded_source(self):
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertNotIn("<textarea", html.split('name="note"')[0])
        self.assertNotIn("JSON", html)
        self.assertContains(page, f'name="{DEFAULT}"')
        self.assertContains(page, "Starting dose (mg/kg)")
        self.assertContains(page, "Allowed: 0.5 to 1. Shipped: 0.5 mg/kg.")
        self.assertContains(page, "Minimum observation after dosing (min)")
        self.assertContains(page, "Shipped: not set; this clinic: 60 min.")
        self.assertContains(page, "<summary>Source</summary>")
        self.assertContains(page, f'name="{SPO2}"')

    def test_a_change_is_shown_as_a_diff_in_words_before_anything_is_saved(self):
        data = self.current_values() | {DEFAULT: "0.75", "note": "Clinic start"}
        page = self.client.post(self.url, data)
        self.assertEqual(page.status_code, 200)
        self.assertTemplateUsed(page, "protocols/confirm.html")
        self.assertEqual(
            page.context["changes"], ["Dose (IV), starting dose: 0.5 mg/kg → 0.75 mg/kg"]
        )
        self.assertContains(page, 'name="confirm"')
        self.assertFalse(self.drafts().exists())
        self.assertFalse(AuditEvent.objects.filter(event_type="protocol.draft_created").exists())

    def test_confirming_saves_the_draft_and_audits_old_and_new_values(self):
        data = self.current_values() | {DEFAULT: "0.75", SPO2: "90", "confirm": "1"}
        response = self.client.post(self.url, data)
        self.assertRedirects(response, reverse("protocols:detail", args=["iv-ketamine-trd"]))
        draft = self.drafts().get()
        self.assertEqual(draft.definition["dose"]["iv"]["default"], 0.75)
        spo2 = draft.definition["monitoring"]["alert_thresholds"][12]["conditions"][0]
        self.assertEqual(spo2["value"], 90.0)
        self.assertEqual(draft.clinic_values, self.active.clinic_values)
        event = AuditEvent.objects.get(event_type="protocol.draft_created")
        self.assertEqual(event.actor, self.medical_director)
        spo2_path = SPO2.replace("__", ".")
        self.assertEqual(event.changes["edits"], {"dose.iv.default": 0.75, spo2_path: 90.0})
        self.assertEqual(event.changes["previous"]["dose.iv.default"], 0.5)

    def test_the_protocol_page_lists_a_drafts_changes_in_words_before_it_is_published(self):
        data = self.current_values() | {DEFAULT: "0.75", "confirm": "1"}
        self.client.post(self.url, data)
        page = self.client.get(reverse("protocols:detail", args=["iv-ketamine-trd"]))
        self.assertContains(page, "Dose (IV), starting dose: 0.5 mg/kg → 0.75 mg/kg")
        self.assertContains(page, "Minimum observation after dosing: 60")
        self.assertNotContains(page, "monitoring.min_observation_min")
        self.assertContains(page, "Publish")

    def test_the_diff_names_the_shipped_value_when_the_clinic_value_differs(self):
        data = self.current_values() | {"monitoring__min_observation_min": "90"}
        page = self.client.post(self.url, data)
        self.assertEqual(
            page.context["changes"],
            [
                "Monitoring, minimum observation after dosing: "
                "shipped not set, current 60 min → 90 min"
            ],
        )

    def test_a_value_outside_its_range_is_refused_on_its_field_and_nothing_is_saved(self):
        for value, message in (
            ("2", "less than or equal to 1"),
            ("abc", "Enter a number"),
        ):
            with self.subTest(value=value):
                data = self.current_values() | {DEFAULT: value, "confirm": "1"}
                page = self.client.post(self.url, data)
                self.assertEqual(page.status_code, 422)
                self.assertIn(message, " ".join(page.context["form"].errors[DEFAULT]))
                self.assertContains(page, "Starting dose", status_code=422)
                self.assertFalse(self.drafts().exists())
        self.assertFalse(AuditEvent.objects.filter(event_type="protocol.draft_created").exists())

    def test_a_change_that_breaks_the_definition_names_the_fields_and_saves_nothing(self):
        # Lowering the highest allowed dose below the titration steps breaks the dose rule.
        data = self.current_values() | {MAX: "0.6", "confirm": "1"}
        page = self.client.post(self.url, data)
        self.assertEqual(page.status_code, 422)
        self.assertIn("outside the allowed range", " ".join(page.context["form"].errors[MAX]))
        self.assertFalse(self.drafts().exists())

    def test_a_non_positive_value_is_refused_where_the_schema_wants_above_zero(self):
        data = self.current_values() | {SPO2: "0"}
        page = self.client.post(self.url, data)
        self.assertEqual(page.status_code, 422)
        self.assertEqual(page.context["form"].errors[SPO2], ["Enter a number above 0."])

    def test_no_change_is_refused(self):
        page = self.client.post(self.url, self.current_values() | {"confirm": "1"})
        self.assertEqual(page.status_code, 422)
        self.assertIn("Change at least one value.", page.context["form"].non_field_errors())
        self.assertFalse(self.drafts().exists())

    def test_back_to_the_values_keeps_what_was_typed(self):
        data = self.current_values() | {DEFAULT: "0.75", "edit": "1"}
        page = self.client.post(self.url, data)
        self.assertTemplateUsed(page, "protocols/draft.html")
        self.assertEqual(page.context["form"][DEFAULT].value(), "0.75")
        self.assertFalse(self.drafts().exists())

    def test_only_the_medical_director_edits(self):
        for user in (self.prescriber, self.nurse, self.clinic_admin):
            with self.subTest(user=user.email):
                response = self.client_for(user).post(self.url, {DEFAULT: "0.75", "confirm": "1"})
                self.assertEqual(response.status_code, 403)
        self.assertFalse(self.drafts().exists())


class ActivateFormTests(ClinicTestCase):
    url_args = ["eating-disorders-research"]

    def setUp(self) -> None:
        self.client = self.client_for(self.medical_director)
        self.url = reverse("protocols:activate", args=self.url_args)
        self.data = {
            "dose__iv__default": "0.5",
            "dose__iv__allowed_min": "0.5",
            "dose__iv__allowed_max": "0.5",
            "administration__iv__infusion_duration_min": "40",
            "schedule__blocks__sessions": "3",
            "schedule__blocks__every_weeks": "1",
            "schedule__blocks__min_gap_days": "7",
            "monitoring__min_observation_min": "60",
            "monitoring__discharge__cadss_threshold": "",
            "outcome__response__kind": "percent_reduction",
            "outcome__response__value": "50",
            "outcome__remission__kind": "",
        }

    def test_structured_fields_replace_json_and_a_diff_is_confirmed_before_activation(self):
        page = self.client.get(self.url)
        self.assertNotContains(page, "<textarea")
        self.assertNotContains(page, "JSON")
        page = self.client.post(self.url, self.data)
        self.assertTemplateUsed(page, "protocols/confirm.html")
        changes = page.context["changes"]
        self.assertIn("Outcome: response: not set → improvement of at least 50 %", changes)
        self.assertIn("Schedule: not set → 3 visits, one every 1 weeks", page.context["changes"])
        self.assertFalse(ProtocolVersion.objects.exists())
        self.client.post(self.url, self.data | {"confirm": "1"})
        version = ProtocolVersion.objects.get()
        self.assertEqual(version.definition["outcome"]["response"]["value"], 50.0)
        self.assertIsNone(version.definition["outcome"]["remission"])
        block = version.definition["schedule"]["blocks"][0]
        self.assertEqual((block["sessions"], block["every_weeks"]), (3, 1))
        self.assertTrue(AuditEvent.objects.filter(event_type="protocol.activated").exists())

    def test_refusals_name_the_field_and_nothing_is_activated(self):
        bad = self.data | {"dose__iv__default": "0.9", "confirm": "1"}
        page = self.client.post(self.url, bad)
        self.assertEqual(page.status_code, 422)
        errors = page.context["form"].errors["dose__iv__default"]
        self.assertIn("outside the allowed range", " ".join(errors))
        missing = self.data | {"schedule__blocks__every_weeks": "", "confirm": "1"}
        page = self.client.post(self.url, missing)
        self.assertEqual(page.status_code, 422)
        self.assertTrue(page.context["form"].errors["schedule__blocks__sessions_per_week"])
        no_value = self.data | {"outcome__response__value": "", "confirm": "1"}
        page = self.client.post(self.url, no_value)
        self.assertTrue(page.context["form"].errors["outcome__response__value"])
        self.assertFalse(ProtocolVersion.objects.exists())


class ProtocolPageTests(ClinicTestCase):
    def test_the_im_repeat_reads_as_one_dose_after_the_interval_and_iv_as_every(self):
        client = self.client_for(self.prescriber)
        page = client.get(reverse("protocols:detail", args=["ed-procedural-sedation"]))
        self.assertContains(page, "2.0–4.0 mg/kg once, after 5–10 min")
        self.assertContains(page, "0.5–1.0 mg/kg every 5–10 min")
        self.assertNotContains(page, "mg/kg every 10–10 min")
