"""Screens: HTMX partials versus full pages, the chart sections, the calendar and day list."""

from __future__ import annotations

from decimal import Decimal

from ketamine_care.patients import services as patients
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd, treatable_plan

HTMX = {"HTTP_HX_REQUEST": "true"}


class TreatmentViewTests(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        patients.record_measurement(
            patient=self.patient,
            actor=self.prescriber,
            unit="metric",
            weight=Decimal("82"),
            height=Decimal("170"),
        )
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)
        self.chart = f"/patients/{self.patient.public_id}"

    def test_the_dose_panel_answers_htmx_with_the_result_partial_only(self):
        client = self.client_for(self.nurse)
        body = {"protocol": "iv-ketamine-trd"}
        partial = client.post(f"{self.chart}/dose/", body, **HTMX)
        self.assertContains(partial, 'id="dose-result"')
        self.assertContains(partial, "41.0 mg")
        self.assertNotContains(partial, "<html")
        full = client.post(f"{self.chart}/dose/", body)
        self.assertContains(full, "<html")
        self.assertContains(full, "41.0 mg")

    def test_a_blocked_dose_shows_its_reasons(self):
        response = self.client_for(self.nurse).post(
            f"{self.chart}/dose/", {"protocol": "iv-ketamine-trd", "mg_per_kg": "3"}, **HTMX
        )
        self.assertContains(response, 'id="dose-blocked"')

    def test_the_result_names_its_sources_folded_and_the_weight_basis_in_words(self):
        body = {"protocol": "iv-ketamine-trd", "mg_per_kg": "3", "weight_basis": "ideal"}
        response = self.client_for(self.nurse).post(f"{self.chart}/dose/", body, **HTMX)
        self.assertContains(response, 'id="dose-blocked"')
        self.assertContains(response, "Ideal body weight (Devine)")
        self.assertContains(response, '<details id="dose-sources">')
        self.assertNotContains(response, "[@")

    def test_the_workup_stores_a_verdict_and_htmx_gets_the_verdict_partial(self):
        client = self.client_for(self.prescriber)
        form = {
            "protocol": "iv-ketamine-trd",
            "history_reviewed": "on",
            "medications_reviewed": "on",
            "pregnant": "yes",
            "breastfeeding": "no",
            "bp_systolic": "120",
            "bp_diastolic": "80",
            "heart_rate": "70",
            "failed_antidepressant_trials": "3",
        }
        partial = client.post(f"{self.chart}/screening/", form, **HTMX)
        self.assertContains(partial, 'id="verdict"')
        self.assertContains(partial, "Requires override")
        self.assertNotContains(partial, "<html")
        full = client.post(f"{self.chart}/screening/", form)
        self.assertEqual(full.status_code, 302)
        page = client.get(full["Location"])
        self.assertContains(page, 'id="override-form"')
        # Reasons name their sources, rendered from the bibliography, never as raw ids.
        self.assertContains(page, "Spravato US prescribing information (v18, 2026) §8")
        self.assertNotContains(page, "[@")

    def test_the_chart_shows_the_sections_and_medication_warnings(self):
        patients.add_medication(
            patient=self.patient,
            actor=self.prescriber,
            name="Lamotrigine",
            drug_class="lamotrigine",
        )
        response = self.client_for(self.nurse).get(f"{self.chart}/")
        self.assertContains(response, 'id="section-treatment"')
        self.assertContains(response, "interaction-")
        self.assertNotContains(response, "Screen for eligibility")  # nurses do not screen
        front_desk = self.client_for(self.front_desk).get(f"{self.chart}/")
        self.assertNotContains(front_desk, 'id="section-treatment"')

    def test_the_plan_calendar_and_day_list(self):
        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        first = plan.visits.order_by("number").first()
        client = self.client_for(self.nurse)
        page = client.get(f"{self.chart}/plans/{plan.public_id}/")
        self.assertContains(page, 'id="plan-calendar"')
        self.assertContains(page, "<caption>")
        self.assertContains(page, "Visit 1")
        day = client.get(f"/plans/day/?date={first.date.isoformat()}")
        self.assertContains(day, self.patient.family_name)
        self.assertContains(client.get("/plans/day/?date=garbage"), "Planned visits")

    def test_a_refused_move_explains_the_gap(self):
        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        first, second = list(plan.visits.order_by("number"))[:2]
        url = f"{self.chart}/plans/{plan.public_id}/visits/{second.public_id}/move/"
        response = self.client_for(self.prescriber).post(url, {"date": first.date.isoformat()})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "minimum gap", status_code=422)

    def test_the_library_and_protocol_page(self):
        client = self.client_for(self.medical_director)
        library = client.get("/protocols/")
        self.assertContains(library, "Active v1")
        page = client.get("/protocols/iv-ketamine-trd/")
        for text in ("Indications", "Evidence", "What is unknown", "Citations", "New draft"):
            self.assertContains(page, text)
        other = client.get("/protocols/esketamine-trd-label/")
        self.assertContains(other, "Review and activate")
        self.assertNotContains(
            self.client_for(self.nurse).get("/protocols/esketamine-trd-label/"),
            "Review and activate",
        )

    def test_activation_form_asks_for_clinic_values(self):
        client = self.client_for(self.medical_director)
        url = "/protocols/eating-disorders-research/activate/"
        response = client.post(url, {})
        self.assertEqual(response.status_code, 422)
        # The missing value is named in words on its own field (no dotted path is shown).
        self.assertContains(response, "IV starting dose", status_code=422)
        errors = response.context["form"].errors
        self.assertEqual(errors["dose__iv__default"], ["This field is required."])
