"""The session's dose path: an implausible weight at pre-checks is refused unless confirmed
(nothing saved), and a dose above the clinic's mg ceiling needs a reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from ketamine_care.core.errors import ValidationFailed
from ketamine_care.patients.models import BodyMeasurement
from ketamine_care.protocols.services import create_draft, publish_draft
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import PreSessionChecks
from ketamine_care.treatment_sessions.services.session_dose import calculated_dose_mg
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    ago,
    complete_pre_checks,
    screened_session,
)


def record(test, session, dose: str, reason: str, **times):
    """The nurse records `dose` mg with `reason`, the prescriber checking it."""
    return services.record_dose(
        session=session,
        actor=test.nurse,
        checked_by=test.prescriber,
        checked_by_password=PASSWORD,
        dose_mg=Decimal(dose),
        dose_change_reason=reason,
        product="Ketamine 50 mg/mL",
        lot_number="L1",
        expiry_date=timezone.localdate() + timedelta(days=100),
        **times,
    )


class PreCheckWeightTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def _session(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        return session

    def test_implausible_weight_is_refused_naming_the_field_and_nothing_is_saved(self):
        session = self._session()
        with self.assertRaises(ValidationFailed) as caught:
            services.record_pre_checks(
                session=session, actor=self.nurse, weight_kg=Decimal("260"), escort_confirmed=True
            )
        self.assertIn("weight_kg", caught.exception.fields)
        self.assertIn("260 kg", caught.exception.fields["weight_kg"])
        self.assertFalse(PreSessionChecks.objects.filter(session=session).exists())
        self.assertFalse(BodyMeasurement.objects.filter(patient=self.patient).exists())

    def test_confirmed_weight_is_saved_and_the_dose_calculated(self):
        session = self._session()
        checks = services.record_pre_checks(
            session=session, actor=self.nurse, weight_kg=Decimal("260"), confirm_weight=True
        )
        # No height on the chart, and 260 kg is over BMI 30 at any adult height: the dose
        # waits for the clinician's weight basis.
        self.assertIsNone(checks.calculated_dose["dose_mg"])
        self.assertTrue(checks.calculated_dose["asks_weight_basis"])
        checks = services.record_pre_checks(
            session=session, actor=self.nurse, weight_basis="actual"
        )
        self.assertEqual(checks.calculated_dose["dose_mg"], 130.0)
        self.assertTrue(any("confirmed" in w for w in checks.calculated_dose["warnings"]))
        # A later save without the box keeps the confirmation of today's weight.
        again = services.record_pre_checks(session=session, actor=self.nurse, consent_on_file=True)
        self.assertEqual(again.calculated_dose["dose_mg"], 130.0)

    def test_the_session_page_shows_the_calculators_warnings_beside_the_folded_checks(self):
        # The calculator's warnings were stored with the dose but never shown on the session
        # page: a weight typed in pounds gave "Calculated dose for today: 77.0 mg", prefilled,
        # without "entered in pounds?".
        BodyMeasurement.objects.create(
            patient=self.patient,
            measured_at=timezone.now() - timedelta(days=14),
            weight_kg=Decimal("70"),
            recorded_by=self.nurse,
        )
        session = self._session()
        checks = services.record_pre_checks(
            session=session, actor=self.nurse, weight_kg=Decimal("154"), escort_confirmed=True
        )
        warnings = checks.calculated_dose["warnings"]
        self.assertTrue(any("pounds" in warning for warning in warnings), warnings)
        body = self.client_for(self.nurse).get(f"/sessions/{session.public_id}/").content.decode()
        shown = body.index('id="calculated-dose-warnings"')
        self.assertIn("entered in pounds?", body[shown:])
        if 'id="pre-checks-folded"' in body:
            folded = body.index("</details>", body.index('id="pre-checks-folded"'))
            self.assertGreater(shown, folded)

    def test_the_session_page_says_when_no_dose_could_be_calculated(self):
        session = self._session()
        services.record_pre_checks(session=session, actor=self.nurse, escort_confirmed=True)
        checks = PreSessionChecks.objects.get(session=session)
        self.assertIsNone(checks.calculated_dose["dose_mg"])
        self.assertTrue(checks.calculated_dose["error"])
        page = self.client_for(self.nurse).get(f"/sessions/{session.public_id}/")
        self.assertContains(page, 'id="calculated-dose-error"')
        self.assertContains(page, "No dose could be calculated")

    def test_the_screen_shows_the_confirmation_box_and_the_error(self):
        session = self._session()
        client = self.client_for(self.nurse)
        url = reverse("treatment_sessions:pre_checks", args=[session.public_id])
        response = client.post(url, {"weight_kg": "20"})
        self.assertContains(response, "weight 20 kg is outside", status_code=422)
        self.assertContains(response, 'name="confirm_weight"', status_code=422)
        self.assertFalse(PreSessionChecks.objects.filter(session=session).exists())


class DoseCeilingTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        draft = create_draft(
            from_version=version, edits={"dose.iv.ceiling.mg": 30}, actor=cls.medical_director
        )
        cls.version = publish_draft(version=draft, actor=cls.medical_director)

    def _dosing(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        complete_pre_checks(session, self.nurse)  # 70 kg: 35 mg, above the 30 mg ceiling
        services.start_dosing(session=session, actor=self.nurse)
        session.refresh_from_db()
        return session

    def _record(self, session, reason="", dose="35"):
        return record(self, session, dose, reason, infusion_started_at=ago(5))

    def test_the_calculator_blocks_the_dose_above_the_ceiling(self):
        session = self._dosing()
        calculated = session.pre_checks.calculated_dose
        self.assertTrue(calculated["blocked"])
        self.assertIn("ceiling of 30 mg", calculated["block_reasons"][0])

    def test_a_blocked_dose_is_never_offered_as_the_calculated_dose(self):
        # The page said "Calculated dose for today: 35 mg" and prefilled it, without a word of
        # the block; a block the dose step does not check again (an age outside the
        # protocol's) then went through without its reason.
        session = self._dosing()
        self.assertIsNone(calculated_dose_mg(session))
        page = self.client_for(self.nurse).get(f"/sessions/{session.public_id}/")
        body = page.content.decode()
        self.assertIn("The dose calculator blocked today's dose", body)
        # Shown beside the folded checks, not inside them.
        folded = body.index("</details>", body.index('id="pre-checks-folded"'))
        self.assertGreater(body.index("calculated-dose-blocked"), folded)
        self.assertIn("ceiling of 30 mg", body)
        self.assertNotIn('id="calculated-dose"', body)
        self.assertIsNone(page.context["forms"]["dose"].initial["dose_mg"])

    def test_a_dose_within_the_ceiling_after_a_block_names_the_block(self):
        # "No dose was calculated" hid that the calculator had blocked today's dose, and why.
        session = self._dosing()
        with self.assertRaises(ValidationFailed) as caught:
            self._record(session, dose="25")
        message = caught.exception.fields["dose_change_reason"]
        self.assertIn("The dose calculator blocked today's dose", message)
        self.assertIn("ceiling of 30 mg", message)
        self.assertFalse(session.doses.exists())
        self.assertEqual(self._record(session, dose="25", reason="as planned").dose_mg, 25)

    def test_a_dose_above_the_ceiling_needs_a_reason(self):
        session = self._dosing()
        with self.assertRaises(ValidationFailed) as caught:
            self._record(session)
        self.assertIn("ceiling of 30 mg", caught.exception.fields["dose_change_reason"])
        self.assertFalse(session.doses.exists())
        row = self._record(session, reason="tolerated 35 mg at the last three sessions")
        self.assertEqual(row.dose_mg, 35)


class ProtocolLimitsAtTheDoseStepTests(ClinicTestCase):
    """The dose step refused only a dose without its reason: any reason let through a dose the
    calculator refuses whatever the reason (2 mg/kg on a 0.5-1 mg/kg protocol; 112 mg of
    esketamine, four devices, where the label allows 56 or 84)."""

    def _dosing(self, protocol_id="iv-ketamine-trd"):
        version = activate(self.clinic, self.medical_director, protocol_id)
        session = screened_session(self.patient, version, self.prescriber, protocol_id)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        complete_pre_checks(session, self.nurse, esketamine=protocol_id.startswith("esketamine"))
        services.start_dosing(session=session, actor=self.nurse)
        session.refresh_from_db()
        return session

    def _record(self, session, dose, **times):
        return record(self, session, dose, "as ordered", **times)

    def test_a_dose_outside_the_protocols_range_is_refused_whatever_the_reason(self):
        session = self._dosing()  # 70 kg: 0.5-1 mg/kg is 35-70 mg
        with self.assertRaises(ValidationFailed) as caught:
            self._record(session, "140", infusion_started_at=ago(5))
        message = caught.exception.fields["dose_mg"]
        self.assertIn("2 mg/kg is outside the protocol's allowed range 0.5-1 mg/kg", message)
        self.assertNotIn("[@", message)  # the sources stay out of the error
        self.assertFalse(session.doses.exists())
        # A lower dose for tolerability is the reason's to allow.
        self.assertEqual(self._record(session, "30", infusion_started_at=ago(5)).dose_mg, 30)

    def test_an_esketamine_dose_the_label_does_not_allow_is_refused(self):
        session = self._dosing("esketamine-trd-label")
        with self.assertRaises(ValidationFailed) as caught:
            self._record(session, "28", device_times=[ago(5)])
        self.assertIn("28 mg is not an allowed dose", caught.exception.fields["dose_mg"])
        self.assertFalse(session.doses.exists())

    def test_a_dose_above_the_protocols_maximum_single_dose_is_refused(self):
        # The calculator lowers a dose above the maximum to it, with a warning; a dose given
        # is not lowered: 112 mg of esketamine, four devices, above the label's 84 mg.
        session = self._dosing("esketamine-trd-label")
        devices = [ago(20), ago(15), ago(10), ago(5)]
        with self.assertRaises(ValidationFailed) as caught:
            self._record(session, "112", device_times=devices)
        self.assertIn("maximum single dose of 84 mg", caught.exception.fields["dose_mg"])
        self.assertFalse(session.doses.exists())
