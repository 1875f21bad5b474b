"""record_pre_checks takes typed arguments: None keeps the stored answer, and the domain
rules name every bad field before anything is saved."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import PreSessionChecks
from ketamine_care.treatment_sessions.tests.factories import activate, ago, screened_session


class PreCheckArgumentTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def _session(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        return session

    def test_arguments_left_as_none_keep_the_stored_answers(self):
        session = self._session()
        food = ago(300)
        services.record_pre_checks(
            session=session,
            actor=self.nurse,
            escort_confirmed=True,
            pregnancy_test="negative",
            last_food_at=food,
            concomitant={"opioid": True, "notes": "tramadol"},
        )
        checks = services.record_pre_checks(session=session, actor=self.nurse, consent_on_file=True)
        checks.refresh_from_db()
        self.assertIs(checks.escort_confirmed, True)
        self.assertIs(checks.consent_on_file, True)
        self.assertEqual(checks.pregnancy_test, "negative")
        self.assertEqual(checks.last_food_at, food)
        self.assertIs(checks.concomitant_today["opioid"], True)
        self.assertEqual(checks.concomitant_today["notes"], "tramadol")

    def test_every_broken_rule_is_named_and_nothing_is_saved(self):
        session = self._session()
        before = AuditEvent.objects.filter(event_type="session.pre_checks_recorded").count()
        with self.assertRaises(ValidationFailed) as caught:
            services.record_pre_checks(
                session=session,
                actor=self.nurse,
                escort_confirmed=True,
                last_food_at=timezone.now() + timedelta(hours=1),
                last_liquids_at=timezone.now() + timedelta(hours=1),
                pregnancy_test="maybe",
                concomitant={"ketamine": True},
                day_of_session="no",
            )
        self.assertEqual(
            set(caught.exception.fields),
            {"last_food_at", "last_liquids_at", "pregnancy_test", "concomitant", "day_of_session"},
        )
        self.assertFalse(PreSessionChecks.objects.filter(session=session).exists())
        self.assertEqual(
            AuditEvent.objects.filter(event_type="session.pre_checks_recorded").count(), before
        )

    def test_an_unknown_argument_is_a_programming_error(self):
        session = self._session()
        with self.assertRaises(TypeError):
            services.record_pre_checks(session=session, actor=self.nurse, escort="yes")
