"""The vitals batch's statements compiled once per connection (`core.compiled`, used by
`services.alerting`) find exactly what the ORM's querysets find, converted the same way
(times, JSON), for generated readings, checkpoints and cut times (hypothesis; SQLite, and
PostgreSQL with --postgres)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions.models import (
    AlertCheckpoint,
    SessionAlert,
    VitalSignsReading,
)
from ketamine_care.treatment_sessions.monitoring import READING_VALUES
from ketamine_care.treatment_sessions.services import alerting
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session

MICROSECONDS = st.integers(0, 3_600_000_000)
BASES = st.sampled_from(["a" * 64, "b" * 64])


class CompiledQueriesTests(TestCase, ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        cls.session = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)
        cls.start = timezone.now().replace(microsecond=0)

    def at(self, microseconds: int) -> datetime:
        return self.start + timedelta(microseconds=microseconds)

    @settings(max_examples=25, deadline=None)
    @given(
        readings=st.lists(
            st.tuples(MICROSECONDS, st.none() | st.integers(40, 300), st.booleans()), max_size=12
        ),
        after=MICROSECONDS,
    )
    def test_readings_after_a_time_are_the_orms(self, readings, after):
        VitalSignsReading.objects.filter(session=self.session).delete()
        VitalSignsReading.objects.bulk_create(
            VitalSignsReading(
                session=self.session,
                measured_at=self.at(offset),
                bp_systolic_mmhg=systolic,
                symptoms=["chest_pain"] if symptom else [],
                idempotency_key=f"k{i}",
                recorded_by=self.nurse,
            )
            for i, (offset, systolic, symptom) in enumerate(readings)
        )
        ordered = VitalSignsReading.objects.filter(session=self.session).order_by(
            "measured_at", "id"
        )
        base = alerting._Checkpoint(pk=0, through_at=self.at(after), states={})
        expected = ordered.filter(measured_at__gt=base.through_at).values(*READING_VALUES)
        self.assertEqual(alerting._readings_after(self.session, base), list(expected))
        self.assertEqual(
            alerting._readings_after(self.session, None), list(ordered.values(*READING_VALUES))
        )

    @settings(max_examples=25, deadline=None)
    @given(
        checkpoints=st.lists(st.tuples(MICROSECONDS, BASES), max_size=6, unique_by=lambda c: c[0]),
        since=MICROSECONDS,
        basis=BASES,
    )
    def test_checkpoints_before_a_time_are_the_orms(self, checkpoints, since, basis):
        AlertCheckpoint.objects.filter(session=self.session).delete()
        AlertCheckpoint.objects.bulk_create(
            AlertCheckpoint(
                session=self.session,
                through_at=self.at(offset),
                basis=kind,
                states={"rule": {"fired": True, "start_at": self.at(offset).isoformat()}},
            )
            for offset, kind in checkpoints
        )
        base, drop = alerting._resume_point(self.session, basis, self.at(since))
        expected = list(
            AlertCheckpoint.objects.filter(
                session=self.session,
                basis=basis,
                through_at__lt=self.at(since) - alerting.SAME_MINUTE,
            ).order_by("-through_at")[:2]
        )
        if not expected:
            self.assertIsNone(base)
            return
        self.assertEqual(
            (base.pk, base.through_at, base.states),
            (expected[0].pk, expected[0].through_at, expected[0].states),
        )
        self.assertEqual(base.through_at.utcoffset(), timedelta(0))

    @settings(max_examples=20, deadline=None)
    @given(
        alerts=st.lists(
            st.tuples(MICROSECONDS, st.sampled_from(["spo2_low", "rr_low"])),
            max_size=6,
            unique=True,
        ),
        after=st.none() | MICROSECONDS,
    )
    def test_the_keys_of_raised_alerts_are_the_orms(self, alerts, after):
        SessionAlert.objects.filter(session=self.session).delete()
        SessionAlert.objects.bulk_create(
            SessionAlert(session=self.session, rule=rule, tier="urgent", triggered_at=self.at(at))
            for at, rule in alerts
        )
        expected = self.session.alerts.all()
        if after is None:
            found = alerting._ALERTS.rows(DEFAULT_DB_ALIAS, session=self.session.pk)
        else:
            expected = expected.filter(triggered_at__gt=self.at(after))
            found = alerting._ALERTS_AFTER.rows(
                DEFAULT_DB_ALIAS, session=self.session.pk, after=self.at(after)
            )
        self.assertEqual(sorted(found), sorted(expected.values_list("rule", "triggered_at")))
