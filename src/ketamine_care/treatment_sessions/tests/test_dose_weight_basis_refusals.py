"""A weight basis the calculator refuses is refused at the session's pre-session checks, the
field named and nothing saved: ideal or adjusted weight for a child or below 152.4 cm, or
without the height they need [@devine-1974] [@clincalc-ibw]; any basis on a fixed-mg
protocol. Another clinic's session answers 404, as every session step does. Heights and
weights are test data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.patients.models import BodyMeasurement
from ketamine_care.patients.services import record_measurement
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import PreSessionChecks
from ketamine_care.treatment_sessions.tests.factories import activate, in_pre_assessment


class WeightBasisRefusalTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def patient_of(self, mrn, height_cm=None, **demographics):
        patient = make_patient(clinic=self.clinic, actor=self.prescriber, mrn=mrn, **demographics)
        if height_cm is not None:
            record_measurement(patient=patient, actor=self.nurse, height=Decimal(height_cm))
        return patient

    def session_of(self, patient, version=None, protocol_id="iv-ketamine-trd"):
        version = version or self.version
        return in_pre_assessment(patient, version, self.nurse, self.prescriber, protocol_id)

    def assertRefused(self, session, basis, *words):
        """Refused naming the weight basis, and nothing of the save kept."""
        audited = AuditEvent.objects.count()
        with self.assertRaises(ValidationFailed) as caught:
            services.record_pre_checks(
                session=session,
                actor=self.nurse,
                weight_kg=Decimal("60"),
                escort_confirmed=True,
                weight_basis=basis,
            )
        message = caught.exception.fields["weight_basis"]
        for word in words:
            self.assertIn(word, message)
        self.assertNotIn(f"'{basis}'", message)  # the clinic's words, not the code
        self.assertFalse(PreSessionChecks.objects.filter(session=session).exists())
        weights = BodyMeasurement.objects.filter(patient=session.patient, weight_kg__isnull=False)
        self.assertFalse(weights.exists())
        self.assertEqual(AuditEvent.objects.count(), audited)
        return message

    def test_a_child_is_refused_ideal_and_adjusted_weight(self):
        child = self.patient_of("CHILD-1", "170", date_of_birth=date(2012, 3, 1), sex="male")
        session = self.session_of(child)
        self.assertRefused(session, "ideal", "Ideal body weight (Devine) is refused", "paediatric")
        self.assertRefused(session, "adjusted", "Adjusted body weight is refused", "actual weight")
        checks = services.record_pre_checks(
            session=session, actor=self.nurse, weight_kg=Decimal("60"), weight_basis="actual"
        )
        self.assertEqual(checks.calculated_dose["weight_basis"], "actual")

    def test_below_152_4_cm_ideal_weight_is_refused(self):
        short = self.patient_of("SHORT-1", "150")
        message = self.assertRefused(self.session_of(short), "ideal", "Ideal body weight")
        self.assertIn("undefined below 152.4 cm", message)

    def test_without_a_height_ideal_weight_is_refused_asking_for_it(self):
        session = self.session_of(self.patient_of("NO-HEIGHT-1"))
        self.assertRefused(session, "ideal", "needs the patient's height")

    def test_the_screen_names_the_field_and_saves_nothing(self):
        short = self.patient_of("SHORT-2", "150")
        session = self.session_of(short)
        url = reverse("treatment_sessions:pre_checks", args=[session.public_id])
        response = self.client_for(self.nurse).post(
            url, {"weight_kg": "60", "weight_basis": "ideal"}
        )
        self.assertEqual(response.status_code, 422)
        form = response.context["forms"]["pre_checks"]
        self.assertIn("undefined below 152.4 cm", form.errors["weight_basis"][0])
        self.assertContains(response, "undefined below 152.4 cm", status_code=422)
        self.assertFalse(PreSessionChecks.objects.filter(session=session).exists())

    def test_the_api_answers_422_naming_the_field(self):
        session = self.session_of(self.patient_of("SHORT-3", "150"))
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/treatment-sessions/{session.public_id}/pre-checks",
            {"weight_kg": "60", "weight_basis": "ideal"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("weight_basis", response.json()["fields"])
        self.assertFalse(PreSessionChecks.objects.filter(session=session).exists())

    def test_another_clinics_session_answers_404_and_nothing_is_saved(self):
        session = self.session_of(self.patient_of("TALL-1", "180", sex="male"))
        url = reverse("treatment_sessions:pre_checks", args=[session.public_id])
        response = self.client_for(self.outsider).post(url, {"weight_basis": "ideal"})
        self.assertEqual(response.status_code, 404)
        token = issue_api_token(membership=self.membership(self.outsider))[1]
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/treatment-sessions/{session.public_id}/pre-checks",
            {"weight_basis": "ideal"},
            content_type="application/json",
        )
        self.assertEqual(api.status_code, 404)
        self.assertFalse(PreSessionChecks.objects.filter(session=session).exists())

    def test_a_fixed_mg_protocol_offers_no_basis_and_refuses_one(self):
        version = activate(self.clinic, self.medical_director, "esketamine-trd-label")
        patient = self.patient_of("ESK-1", "180", sex="male")
        session = self.session_of(patient, version, "esketamine-trd-label")
        page = self.client_for(self.nurse).get(f"/sessions/{session.public_id}/")
        self.assertNotIn("weight_basis", page.context["forms"]["pre_checks"].fields)
        with self.assertRaises(ValidationFailed) as caught:
            services.record_pre_checks(session=session, actor=self.nurse, weight_basis="actual")
        self.assertIn("doses in fixed mg", caught.exception.fields["weight_basis"])
