"""The weight basis at the session (HAZ-01, HAZ-02): at BMI 30 or more the calculator does not
choose the weight a dose is calculated on [@sanacora-2017], so the session's dose was always
blocked and typed by hand, checked on the actual weight only, and the record never said which
weight it was calculated on. The clinician now chooses it at the pre-session checks; the dose
is calculated on it, prefilled, checked on it and recorded with it.

Test patient (test data): a man of 180 cm, whose Devine ideal weight is 75.0 kg
[@devine-1974]; at 110 kg his BMI is 34.0."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client
from django.urls import reverse

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import Conflict, ValidationFailed
from ketamine_care.patients.services import record_measurement
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.services.notes import note_preview
from ketamine_care.treatment_sessions.services.session_dose import calculated_dose_mg
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    ago,
    complete_pre_checks,
    discharged_session,
    in_pre_assessment,
)
from ketamine_care.treatment_sessions.tests.test_dose_weight_safety import record


def tall_man(test, **overrides):
    """A man of 180 cm (ideal body weight 75.0 kg), his height on the chart."""
    patient = make_patient(
        clinic=test.clinic, actor=test.prescriber, sex="male", given_name="Sam", **overrides
    )
    record_measurement(patient=patient, actor=test.nurse, height=Decimal("180"))
    return patient


class WeightBasisEndToEndTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.patient = tall_man(cls, mrn="BASIS-1")

    def page(self, session):
        return self.client_for(self.nurse).get(f"/sessions/{session.public_id}/")

    def checked(self, patient=None, **checks):
        """In pre-assessment with every check met, `checks` added (today's weight, a basis)."""
        patient = patient or self.patient
        session = in_pre_assessment(patient, self.version, self.nurse, self.prescriber)
        complete_pre_checks(session, self.nurse, **checks)
        return session

    def dosing(self, patient=None, **checks):
        session = self.checked(patient, **checks)
        services.start_dosing(session=session, actor=self.nurse)
        session.refresh_from_db()
        return session

    def give(self, session, dose, reason=""):
        return record(self, session, dose, reason, infusion_started_at=ago(5))

    def refused(self, session, dose, reason, field) -> str:
        """The dose is refused and nothing recorded: the message on `field`."""
        with self.assertRaises(ValidationFailed) as caught:
            self.give(session, dose, reason)
        self.assertFalse(session.doses.exists())
        return caught.exception.fields[field]

    def test_at_bmi_30_the_dose_waits_for_the_basis_and_the_page_asks_for_it(self):
        session = self.checked(weight_kg=Decimal("110"))
        calculated = session.pre_checks.calculated_dose
        self.assertTrue(calculated["blocked"])
        self.assertTrue(calculated["asks_weight_basis"])
        self.assertIsNone(calculated_dose_mg(session))
        page = self.page(session)
        self.assertContains(page, "the clinician must choose the weight basis")
        self.assertContains(page, "Choose the weight the dose is calculated on")
        self.assertContains(page, '<option value="ideal">Ideal body weight (Devine)</option>')
        self.assertContains(page, 'id="record-pre-checks" open')
        self.assertNotContains(page, 'id="calculated-dose"')

    def test_choosing_ideal_calculates_prefills_and_records_the_dose_on_it(self):
        session = self.checked(weight_kg=Decimal("110"))
        url = reverse("treatment_sessions:pre_checks", args=[session.public_id])
        response = self.client_for(self.nurse).post(url, {"weight_basis": "ideal"})
        self.assertEqual(response.status_code, 302)
        page = self.page(session)
        self.assertContains(
            page,
            'Calculated dose for today: <strong id="calculated-dose">37.5 mg</strong> '
            '<span id="calculated-dose-weight">(on ideal body weight 75 kg)</span>',
            html=False,
        )
        self.assertEqual(page.context["forms"]["pre_checks"]["weight_basis"].value(), "ideal")
        event = AuditEvent.objects.filter(event_type="session.pre_checks_recorded").latest("id")
        self.assertEqual(event.changes["new"], {"weight_basis": "ideal"})
        self.assertEqual(event.changes["calculated_dose_mg"], 37.5)

        services.start_dosing(session=session, actor=self.nurse)
        session.refresh_from_db()
        dosing = self.page(session)
        self.assertEqual(dosing.context["forms"]["dose"].initial["dose_mg"], Decimal("37.5"))
        self.assertContains(
            dosing, "Prefilled with the calculated dose (on ideal body weight 75 kg)"
        )
        row = self.give(session, "37.5")
        self.assertEqual((row.weight_basis, row.weight_used_kg), ("ideal", Decimal("75.00")))
        self.assertEqual(row.dose_change_reason, "")
        self.assertContains(self.page(session), "calculated on ideal body weight 75 kg")
        given = AuditEvent.objects.get(event_type="dose.administered")
        self.assertEqual(given.changes["new"]["weight_basis"], "ideal")

    def test_a_later_save_keeps_the_basis_and_a_new_weight_is_dosed_on_it(self):
        session = in_pre_assessment(self.patient, self.version, self.nurse, self.prescriber)
        services.record_pre_checks(
            session=session, actor=self.nurse, weight_kg=Decimal("110"), weight_basis="adjusted"
        )
        # Adjusted: 75 + 0.4 x (110 - 75) = 89.0 kg, 0.5 mg/kg.
        checks = services.record_pre_checks(
            session=session, actor=self.nurse, escort_confirmed=True
        )
        self.assertEqual(checks.calculated_dose["weight_basis_chosen"], "adjusted")
        self.assertEqual(checks.calculated_dose["dose_mg"], 44.5)
        checks = services.record_pre_checks(
            session=session, actor=self.nurse, weight_kg=Decimal("100")
        )
        self.assertEqual(checks.calculated_dose["weight_used_kg"], 85.0)  # 75 + 0.4 x 25
        cleared = services.record_pre_checks(session=session, actor=self.nurse, weight_basis="")
        self.assertIsNone(cleared.calculated_dose["weight_basis_chosen"])
        self.assertTrue(cleared.calculated_dose["blocked"])  # BMI 30.9: choose again

    def test_the_dose_step_judges_the_dose_on_the_chosen_basis(self):
        # 100 mg is 0.91 mg/kg of his 110 kg but 1.33 mg/kg of the 75 kg it is calculated on.
        session = self.dosing(weight_kg=Decimal("110"), weight_basis="ideal")
        message = self.refused(session, "100", "as ordered", "dose_mg")
        self.assertIn("1.333 mg/kg is outside the protocol's allowed range", message)
        # 0.75 mg/kg of the ideal weight is within the range, with its reason.
        self.assertEqual(self.give(session, "56.3", "second step").weight_basis, "ideal")

    def test_ideal_above_the_actual_weight_doses_and_checks_on_the_actual_weight(self):
        # At 60 kg his ideal 75 kg would be above his weight: never dosed on it (HAZ-02).
        light = tall_man(self, mrn="BASIS-LIGHT")
        session = self.checked(light, weight_kg=Decimal("60"), weight_basis="ideal")
        calculated = session.pre_checks.calculated_dose
        self.assertEqual((calculated["weight_basis"], calculated["weight_used_kg"]), ("actual", 60))
        self.assertEqual(calculated["dose_mg"], 30.0)
        self.assertContains(self.page(session), "(on actual weight 60 kg)")
        services.start_dosing(session=session, actor=self.nurse)
        session.refresh_from_db()
        # 70 mg is 0.93 mg/kg of 75 kg but 1.17 mg/kg of his 60 kg: refused.
        self.assertIn("1.167 mg/kg", self.refused(session, "70", "as ordered", "dose_mg"))
        row = self.give(session, "30")
        self.assertEqual((row.weight_basis, row.weight_used_kg), ("actual", Decimal("60.00")))

    def test_without_a_basis_dosing_waits_for_it_and_actual_weight_is_a_choice(self):
        """No silent default at BMI 30 or more: the weight check stays unmet until the
        clinician chooses the weight, actual weight among the choices."""
        session = self.checked(weight_kg=Decimal("110"))
        with self.assertRaises(Conflict) as caught:
            services.start_dosing(session=session, actor=self.nurse)
        message = caught.exception.fields["pre_checks.weight_today"]
        self.assertIn("Choose the weight the dose is calculated on", message)
        self.assertContains(self.page(session), message)
        session = self.dosing(weight_kg=Decimal("110"), weight_basis="actual")
        row = self.give(session, "55")
        self.assertEqual((row.weight_basis, row.weight_used_kg), ("actual", Decimal("110.00")))

    def test_the_signed_note_and_the_api_show_the_weight_the_dose_was_calculated_on(self):
        session = discharged_session(
            self.patient,
            self.version,
            self.nurse,
            self.prescriber,
            checks={"weight_kg": Decimal("110"), "weight_basis": "ideal"},
        )
        preview = note_preview(session)["dose"]
        self.assertEqual(preview["weight_used"], "ideal body weight 75 kg")
        services.sign_session(session=session, actor=self.prescriber, note_text="Uneventful.")
        page = self.client_for(self.prescriber).get(f"/sessions/{session.public_id}/")
        self.assertContains(page, "calculated on ideal body weight 75 kg")
        token = issue_api_token(membership=self.membership(self.prescriber))[1]
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        body = api.get(f"/api/v1/treatment-sessions/{session.public_id}").json()
        dose = body["summary"]["dose"]
        self.assertEqual((dose["weight_basis"], dose["weight_used_kg"]), ("ideal", "75.00"))
        self.assertEqual(dose["dose_mg"], "37.50")  # the keys that were there stay
