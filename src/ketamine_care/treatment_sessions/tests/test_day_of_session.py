"""Day-of-session checks (alcohol or drugs, intoxication, stimulants, esketamine nasal medication
timing) and the pregnancy test on by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, ValidationFailed
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import months_before
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.prechecks import (
    FAILED,
    MET,
    MISSING,
    NOT_REQUIRED,
    PreCheckFacts,
    evaluate_pre_checks,
)
from ketamine_care.treatment_sessions.tests.factories import (
    DAY_OF_SESSION_CLEAR,
    activate,
    ago,
    complete_pre_checks,
    screened_session,
)

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _status(key: str, drug: str = "ketamine", **facts) -> tuple[str, str]:
    results = evaluate_pre_checks(PreCheckFacts(drug=drug, dose_basis="mg_per_kg", **facts), NOW)
    (result,) = [r for r in results if r.key == key]
    return result.status, result.message


DAY_CHECKS = [
    ("no_recent_alcohol_or_drugs", "recent_alcohol_or_drugs"),
    ("no_intoxication", "intoxication_signs"),
    ("no_stimulant_or_cocaine", "stimulant_or_cocaine"),
]


@pytest.mark.parametrize(("key", "answer"), DAY_CHECKS)
class DayOfSessionCheckTests:
    def test_not_asked_is_missing(self, key, answer):
        assert _status(key)[0] == MISSING

    def test_a_yes_fails_the_check(self, key, answer):
        day = {**DAY_OF_SESSION_CLEAR, answer: True}
        assert _status(key, day_of_session=day)[0] == FAILED

    def test_a_no_meets_it(self, key, answer):
        assert _status(key, day_of_session=DAY_OF_SESSION_CLEAR)[0] == MET


@pytest.mark.parametrize(
    ("minutes_before", "status"), [(None, MET), (59, FAILED), (60, MET), (180, MET)]
)
def test_esketamine_nasal_medication_at_least_1h_before(minutes_before, status):
    given = None if minutes_before is None else NOW - timedelta(minutes=minutes_before)
    day = {**DAY_OF_SESSION_CLEAR, "nasal_medication_at": given}
    assert _status("nasal_medication_timing", "esketamine", day_of_session=day)[0] == status


def test_nasal_medication_timing_is_not_asked_for_iv_ketamine():
    assert _status("nasal_medication_timing", "ketamine")[0] == NOT_REQUIRED


def test_the_pregnancy_test_is_required_by_default():
    assert _status("pregnancy_test", sex="female")[0] == MISSING
    assert _status("pregnancy_test", sex="")[0] == MISSING
    assert _status("pregnancy_test", sex="female", pregnancy_test="positive")[0] == FAILED


def test_the_pregnancy_test_is_not_required_for_a_male_patient():
    assert _status("pregnancy_test", sex="male")[0] == NOT_REQUIRED


def test_the_clinic_may_switch_the_pregnancy_test_off_with_a_reason():
    status, message = _status(
        "pregnancy_test", sex="female", switched_off=(("pregnancy_test", "Clinic policy X"),)
    )
    assert status == NOT_REQUIRED
    assert "Clinic policy X" in message


def test_only_checks_marked_so_can_be_switched_off():
    status, _ = _status("no_intoxication", switched_off=(("no_intoxication", "no"),))
    assert status == MISSING


class DayOfSessionServiceTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def _session(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        return session

    def test_intoxication_blocks_dosing_and_cannot_be_overridden(self):
        session = self._session()
        complete_pre_checks(session, self.nurse)
        services.record_pre_checks(
            session=session,
            actor=self.nurse,
            day_of_session={**DAY_OF_SESSION_CLEAR, "intoxication_signs": True},
        )
        with self.assertRaises(Conflict) as caught:
            services.start_dosing(session=session, actor=self.nurse)
        self.assertIn("pre_checks.no_intoxication", caught.exception.fields)
        with self.assertRaises(ValidationFailed):
            services.override_pre_check(
                session=session, actor=self.prescriber, check="no_intoxication", reason="x"
            )

    def test_unasked_questions_and_pregnancy_test_block_dosing(self):
        session = self._session()
        with self.assertRaises(Conflict) as caught:
            services.start_dosing(session=session, actor=self.nurse)
        for key in ("pregnancy_test", "no_recent_alcohol_or_drugs", "no_stimulant_or_cocaine"):
            self.assertIn(f"pre_checks.{key}", caught.exception.fields)

    def test_the_clinic_switches_the_pregnancy_test_off_with_a_reason_and_back_on(self):
        switch = services.switch_pre_check
        with self.assertRaises(ValidationFailed):
            switch(
                clinic=self.clinic, check="pregnancy_test", actor=self.medical_director, off=True
            )
        with self.assertRaises(ValidationFailed):
            switch(
                clinic=self.clinic, check="no_intoxication", actor=self.medical_director,
                off=True, reason="no",
            )  # fmt: skip
        switch(
            clinic=self.clinic, check="pregnancy_test", actor=self.medical_director,
            off=True, reason="Tested at intake",
        )  # fmt: skip
        session = self._session()
        results = {r.key: r for r in services.pre_check_results(session)}
        self.assertEqual(results["pregnancy_test"].status, NOT_REQUIRED)
        self.assertIn("Tested at intake", results["pregnancy_test"].message)
        self.assertTrue(AuditEvent.objects.filter(event_type="pre_check.switched_off").exists())
        switch(clinic=self.clinic, check="pregnancy_test", actor=self.medical_director, off=False)
        results = {r.key: r for r in services.pre_check_results(session)}
        self.assertEqual(results["pregnancy_test"].status, MISSING)

    def test_bad_answers_name_the_field_and_save_nothing(self):
        session = self._session()
        with self.assertRaises(ValidationFailed) as caught:
            services.record_pre_checks(
                session=session,
                actor=self.nurse,
                escort_confirmed=True,
                day_of_session={"recent_alcohol_or_drugs": "no", "nasal_medication_at": ago(-30)},
            )
        fields = caught.exception.fields
        self.assertIn("day_of_session.recent_alcohol_or_drugs", fields)
        self.assertIn("day_of_session.nasal_medication_at", fields)
        self.assertFalse(hasattr(session, "pre_checks") and session.pre_checks.pk)

    def test_an_unanswered_question_is_not_a_no(self):
        # Fail safe: a caller that leaves a question out has not heard "no" from the patient.
        session = self._session()
        with self.assertRaises(ValidationFailed) as caught:
            services.record_pre_checks(
                session=session,
                actor=self.nurse,
                day_of_session={"recent_alcohol_or_drugs": False, "intoxication_signs": False},
            )
        self.assertEqual(
            caught.exception.fields, {"day_of_session.stimulant_or_cocaine": "Answer yes or no."}
        )
        self.assertFalse(hasattr(session, "pre_checks") and session.pre_checks.pk)
        results = {r.key: r.status for r in services.pre_check_results(session)}
        self.assertNotEqual(results["no_stimulant_or_cocaine"], MET)

    def test_the_api_records_the_answers(self):
        session = self._session()
        response = self.client_for(self.nurse).post(
            f"/api/v1/treatment-sessions/{session.public_id}/pre-checks",
            {"day_of_session": {**DAY_OF_SESSION_CLEAR, "stimulant_or_cocaine": True}},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        results = {r.key: r.status for r in services.pre_check_results(session)}
        self.assertEqual(results["no_stimulant_or_cocaine"], FAILED)
        self.assertEqual(results["no_recent_alcohol_or_drugs"], MET)

    def test_the_form_records_the_answers(self):
        session = self._session()
        response = self.client_for(self.nurse).post(
            f"/sessions/{session.public_id}/pre-checks/",
            {"day_of_session_asked": "on", "recent_alcohol_or_drugs": "on"},
        )
        self.assertLess(response.status_code, 400)
        results = {r.key: r.status for r in services.pre_check_results(session)}
        self.assertEqual(results["no_recent_alcohol_or_drugs"], FAILED)
        self.assertEqual(results["no_intoxication"], MET)


class RescreenOnUnclassifiedCodeTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def test_an_unclassified_code_added_after_screening_asks_for_a_re_screen(self):
        from ketamine_care.patients import services as patients

        session = screened_session(self.patient, self.version, self.prescriber)
        results = {r.key: r.status for r in services.pre_check_results(session)}
        self.assertEqual(results["screening_valid"], MET)
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F31.4", label="Bipolar"
        )
        results = {r.key: r for r in services.pre_check_results(session)}
        self.assertEqual(results["screening_valid"].status, FAILED)
        self.assertIn("re-screen", results["screening_valid"].message)

    def test_a_ketamine_allergy_charted_after_screening_asks_for_a_re_screen(self):
        # Screening reads a chart allergy to ketamine as hypersensitivity (ineligible), but the
        # pre-session check compared only diagnoses and medications: an allergy charted after
        # the verdict left it "current" and dosing went on.
        from ketamine_care.patients import services as patients

        session = screened_session(self.patient, self.version, self.prescriber)
        patients.add_allergy(patient=self.patient, actor=self.prescriber, substance="Ketamine")
        results = {r.key: r for r in services.pre_check_results(session)}
        self.assertEqual(results["screening_valid"].status, FAILED)
        self.assertIn("allergies", results["screening_valid"].message)
        self.assertIn("re-screen", results["screening_valid"].message)

    def test_an_age_line_of_the_rules_crossed_since_screening_asks_for_a_re_screen(self):
        # The verdict was made for the age screened; the psychiatric cautions start at 65
        # (age.65_and_over). Ageing within the same lines keeps it current.
        session = screened_session(self.patient, self.version, self.prescriber)
        today = clinic_today(self.clinic)
        for years, status in ((self.patient.age_on(today) + 1, MET), (65, FAILED)):
            with self.subTest(years=years):
                self.patient.date_of_birth = months_before(today, years * 12)
                self.patient.save(update_fields=["date_of_birth"])
                results = {r.key: r for r in services.pre_check_results(session)}
                self.assertEqual(results["screening_valid"].status, status)
        self.assertIn("age line", results["screening_valid"].message)
        self.assertIn("re-screen", results["screening_valid"].message)
