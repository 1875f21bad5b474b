"""Dose safety in the app: API and screen refuse implausible weights naming the field, take a
confirmation and a reason, warn "entered in pounds?" from the record, follow the clinic's
label jurisdiction; plans show their warnings and conditional visits."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from ketamine_care.audit.models import AuditEvent
from ketamine_care.dosing.models import PlannedVisit
from ketamine_care.dosing.patient_dose import patient_age_years
from ketamine_care.dosing.services import set_label_jurisdiction
from ketamine_care.patients import services as patients
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd, treatable_plan

from .label_cases import run_plan

HTMX = {"HTTP_HX_REQUEST": "true"}


class DoseSafetyTests(ClinicTestCase):
    def setUp(self):
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)
        self.api = f"/api/v1/patients/{self.patient.public_id}/dose-calculations"
        self.screen = f"/patients/{self.patient.public_id}/dose/"

    def _weigh(self, weight, height=None, patient=None):
        patients.record_measurement(
            patient=patient or self.patient,
            actor=self.prescriber,
            unit="metric",
            weight=Decimal(weight),
            height=None if height is None else Decimal(height),
        )

    def _post(self, body, user=None):
        return self.client_for(user or self.nurse).post(
            self.api, {"protocol": "iv-ketamine-trd", **body}, content_type="application/json"
        )

    def test_api_refuses_an_implausible_adult_weight_naming_it(self):
        self._weigh(260, 180)
        events = AuditEvent.objects.count()
        response = self._post({})
        self.assertEqual(response.status_code, 422)
        self.assertIn("weight_kg", response.json()["fields"])
        self.assertIn("260 kg", response.json()["fields"]["weight_kg"])
        self.assertEqual(AuditEvent.objects.count(), events)  # nothing recorded
        confirmed = self._post({"confirm_weight": True, "weight_basis": "actual"})
        self.assertEqual(confirmed.status_code, 200, confirmed.content)
        self.assertEqual(confirmed.json()["dose_mg"], 130.0)
        self.assertTrue(any("confirmed" in w for w in confirmed.json()["warnings"]))

    def test_api_implausible_height_is_named(self):
        self._weigh(70, 235)
        response = self._post({})
        self.assertEqual(response.status_code, 422)
        self.assertIn("height_cm", response.json()["fields"])

    def test_api_warns_entered_in_pounds_against_the_previous_measurement(self):
        self._weigh(70, 175)
        response = self._post({"weight_kg": 154, "confirm_weight": True})
        self.assertTrue(any("entered in pounds?" in w for w in response.json()["warnings"]))
        self._weigh(154)
        from_record = self._post({"confirm_weight": True})
        self.assertTrue(any("entered in pounds?" in w for w in from_record.json()["warnings"]))

    def test_api_ideal_above_actual_uses_actual(self):
        self._weigh(45, 170)
        body = self._post({"weight_basis": "ideal"}).json()
        self.assertEqual((body["weight_used_kg"], body["dose_mg"]), (45.0, 22.5))

    def test_api_reduced_dose_needs_a_reason(self):
        self._weigh(80, 175)
        blocked = self._post({"mg_per_kg": 0.3}).json()
        self.assertTrue(blocked["blocked"])
        allowed = self._post({"mg_per_kg": 0.3, "reason": "dissociation at 0.5 mg/kg"}).json()
        self.assertFalse(allowed["blocked"])
        self.assertEqual(allowed["dose_mg"], 24.0)

    def test_api_child_on_adult_protocol_refuses_ideal(self):
        child = make_patient(
            clinic=self.clinic, actor=self.prescriber, date_of_birth=date(2015, 1, 1)
        )
        self._weigh(40, 150, patient=child)
        response = self.client_for(self.nurse).post(
            f"/api/v1/patients/{child.public_id}/dose-calculations",
            {"protocol": "iv-ketamine-trd", "weight_basis": "ideal"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("weight_basis", response.json()["fields"])

    def test_screen_asks_for_the_confirmation_and_the_reason(self):
        self._weigh(28, 150)
        client = self.client_for(self.nurse)
        refused = client.post(self.screen, {"protocol": "iv-ketamine-trd"}, **HTMX)
        self.assertEqual(refused.status_code, 422)
        self.assertContains(refused, "weight 28 kg is outside the plausible adult range", 1, 422)
        self.assertNotContains(refused, 'id="dose-values"', status_code=422)
        body = {"protocol": "iv-ketamine-trd", "confirm_weight": "on"}
        confirmed = client.post(self.screen, body, **HTMX)
        self.assertContains(confirmed, "14.0 mg")
        page = client.get(self.screen)
        self.assertContains(page, 'name="confirm_weight"')
        self.assertContains(page, 'name="reason"')

    def test_screen_reduced_dose_with_a_reason(self):
        self._weigh(80, 175)
        body = {"protocol": "iv-ketamine-trd", "mg_per_kg": "0.25", "reason": "nausea"}
        response = self.client_for(self.nurse).post(self.screen, body, **HTMX)
        self.assertContains(response, "20.0 mg")
        self.assertNotContains(response, 'id="dose-blocked"')


class LabelJurisdictionTests(ClinicTestCase):
    def setUp(self):
        self.version = activate_protocol(
            clinic=self.clinic,
            protocol_id="esketamine-trd-label",
            actor=self.medical_director,
            clinic_values={"monitoring.discharge.cadss_threshold": None},
        )
        self.older = make_patient(
            clinic=self.clinic, actor=self.prescriber, date_of_birth=date(1950, 1, 1)
        )

    def _dose(self):
        return self.client_for(self.nurse).post(
            f"/api/v1/patients/{self.older.public_id}/dose-calculations",
            {"protocol": "esketamine-trd-label"},
            content_type="application/json",
        )

    def test_the_calculator_follows_the_clinic_setting(self):
        self.assertEqual(self._dose().json()["dose_mg"], 56.0)  # US default
        response = self.client_for(self.medical_director).post(
            "/settings/label-jurisdiction/", {"label_jurisdiction": "EU"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self._dose().json()["dose_mg"], 28.0)
        event = AuditEvent.objects.filter(event_type="clinic.label_jurisdiction_changed").get()
        self.assertEqual(event.changes["new"], {"label_jurisdiction": "EU"})

    def test_an_eu_clinics_plan_is_the_plan_command_under_the_eu_label(self):
        """The app and `ketamine-care plan --jurisdiction EU --age-years N` choose the same
        start: 28 mg for a patient of 65 or more [@spravato-eu-smpc §4.2]."""
        set_label_jurisdiction(clinic=self.clinic, actor=self.medical_director, jurisdiction="EU")
        patients.add_diagnosis(
            patient=self.older, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        plan = treatable_plan(patient=self.older, version=self.version, prescriber=self.prescriber)
        age = patient_age_years(self.older)
        argv = ["--protocol", "esketamine-trd-label", "--start", plan.start_date.isoformat()]
        argv += ["--jurisdiction", "EU", "--age-years", str(age), "--json"]
        status, out, _ = run_plan(argv)
        self.assertEqual(status, 0)
        command = json.loads(out)
        app = [(v.date.isoformat(), v.dose) for v in plan.visits.all()]
        self.assertEqual(app, [(v["date"], v["dose"]) for v in command["visits"]])
        self.assertEqual(app[0][1]["dose_mg"], 28.0)
        self.assertEqual(plan.warnings, command["warnings"])

    def test_the_settings_page_shows_the_choice(self):
        page = self.client_for(self.medical_director).get("/alerts/settings/")
        self.assertContains(page, 'id="label-jurisdiction"')
        self.assertContains(page, 'value="US" checked')

    def test_the_protocol_page_shows_the_label_starts_and_the_ceiling(self):
        page = self.client_for(self.nurse).get("/protocols/esketamine-trd-label/")
        self.assertContains(page, "EU label, age 65+")
        self.assertContains(page, "Clinic ceiling per dose")
        agitation = self.client_for(self.nurse).get("/protocols/ed-severe-agitation/")
        self.assertContains(agitation, "Warning above")

    def test_bad_value_and_wrong_role_change_nothing(self):
        self.client_for(self.medical_director).post(
            "/settings/label-jurisdiction/", {"label_jurisdiction": "UK"}
        )
        denied = self.client_for(self.nurse).post(
            "/settings/label-jurisdiction/", {"label_jurisdiction": "EU"}
        )
        self.assertEqual(denied.status_code, 403)
        self.clinic.refresh_from_db()
        self.assertEqual(self.clinic.label_jurisdiction, "US")
        self.assertFalse(
            AuditEvent.objects.filter(event_type="clinic.label_jurisdiction_changed").exists()
        )

    def test_service_refuses_unknown_labels_naming_the_field(self):
        from ketamine_care.core.errors import ValidationFailed

        with self.assertRaises(ValidationFailed) as info:
            set_label_jurisdiction(clinic=self.clinic, actor=self.medical_director, jurisdiction="")
        self.assertIn("label_jurisdiction", info.exception.fields)


class PlanWarningAndConditionalTests(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)
        self.plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        self.url = f"/patients/{self.patient.public_id}/plans/{self.plan.public_id}/"

    def test_conditional_maintenance_is_labelled_until_a_review_confirms_it(self):
        pending = [v for v in self.plan.visits.all() if v.is_conditional]
        self.assertTrue(pending)
        self.assertTrue(all(v.phase == "maintenance" for v in pending))
        page = self.client_for(self.prescriber).get(self.url)
        self.assertContains(page, 'id="plan-conditional"')
        self.assertContains(page, "conditional</span>")
        api = f"/api/v1/patients/{self.patient.public_id}/plans/{self.plan.public_id}"
        rows = self.client_for(self.prescriber).get(api).json()["visits"]
        self.assertTrue(any(r["conditional"] for r in rows))
        empty = self.client_for(self.prescriber).post(
            f"{api}/conditional-visits/confirm", {"note": ""}, content_type="application/json"
        )
        self.assertEqual(empty.status_code, 422)
        self.assertFalse(PlannedVisit.objects.filter(condition_confirmed_at__isnull=False).exists())
        done = self.client_for(self.prescriber).post(
            f"{self.url}confirm-conditional/", {"note": "MADRS -55 %: responder"}
        )
        self.assertEqual(done.status_code, 302)
        self.assertFalse(any(v.is_conditional for v in self.plan.visits.all()))
        self.assertTrue(
            AuditEvent.objects.filter(event_type="plan.conditional_visits_confirmed").exists()
        )
        self.assertNotContains(self.client_for(self.prescriber).get(self.url), "plan-conditional")

    def test_another_clinic_gets_404(self):
        response = self.client_for(self.outsider).post(
            f"{self.url}confirm-conditional/", {"note": "x"}
        )
        self.assertEqual(response.status_code, 404)

    def test_schedule_not_met_is_on_the_plan_page(self):
        from ketamine_care.dosing.services import create_plan

        plan = create_plan(
            patient=self.patient,
            protocol_version=self.version,
            start_date=self.plan.start_date,
            clinic_days=["wed"],
            actor=self.prescriber,
        )
        self.assertTrue(plan.warnings[0].startswith("SCHEDULE NOT MET"))
        page = self.client_for(self.prescriber).get(
            f"/patients/{self.patient.public_id}/plans/{plan.public_id}/"
        )
        self.assertContains(page, 'id="plan-warnings"')
        self.assertContains(page, "SCHEDULE NOT MET")
