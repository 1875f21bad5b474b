"""The vitals batch's statements compiled once per connection (`core.compiled`, used by
`services.alerting`) find exactly what the ORM's querysets find, converted the same way
(times, JSON), for generated readings, checkpoints and cut times (hypothesis; SQLite, and
PostgreSQL with --postgres)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
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
from ketamine_care.treatment_sessions.services import alerting, vitals
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session

MICROSECONDS = st.integers(0, 3_600_000_000)
BASES = st.sampled_from(["a" * 64, "b" * 64])


class CompiledQueriesTests(TestCase, ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        cls.session = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)
        cls.other = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)
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
        base, _, _ = alerting._resume_point(self.session, basis, self.at(since))
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

    @settings(max_examples=25, deadline=None)
    @given(
        checkpoints=st.lists(st.tuples(MICROSECONDS, BASES), max_size=6, unique_by=lambda c: c[0]),
        since=st.none() | MICROSECONDS,
        basis=BASES,
        other_session=st.booleans(),
    )
    def test_the_checkpoints_dropped_are_the_orms(self, checkpoints, since, basis, other_session):
        """`_drop_checkpoints` deletes what the ORM's filter of the checkpoints to replace
        selects (every one of the session, or those at or after the cut, of another basis,
        and the resume point once passed), and nothing of another session."""
        AlertCheckpoint.objects.all().delete()
        AlertCheckpoint.objects.bulk_create(
            AlertCheckpoint(session=self.session, through_at=self.at(offset), basis=kind)
            for offset, kind in checkpoints
        )
        if other_session:
            AlertCheckpoint.objects.create(session=self.other, through_at=self.at(0), basis=basis)
        at = None if since is None else self.at(since)
        base, cut, passed = alerting._resume_point(self.session, basis, at)
        mine = Q(session=self.session)
        if cut is None:
            dropped = mine
        else:
            dropped = mine & (Q(through_at__gte=cut) | ~Q(basis=basis))
            if passed is not None:
                dropped |= Q(pk=passed)
        kept = set(AlertCheckpoint.objects.exclude(dropped).values_list("pk", flat=True))
        alerting._drop_checkpoints(self.session, basis, cut, passed)
        self.assertEqual(set(AlertCheckpoint.objects.values_list("pk", flat=True)), kept)
        self.assertEqual(AlertCheckpoint.objects.filter(session=self.other).exists(), other_session)

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


KEY_TEXT = st.text(alphabet="ab:%_\\", max_size=4)


class StoredByPrefixTests(TestCase, ClinicTestCase):
    """A device batch's replay check (`vitals._check_replay`) finds the stored readings by the
    batch key's prefix through a statement compiled once per connection: for any stored keys
    and prefix, LIKE's own characters (`%`, `_`, `\\`) included, the same readings with the
    same loaded fields as the ORM's `startswith` query, in the other session none."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        cls.session = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)
        cls.other = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)

    @settings(max_examples=40, deadline=None)
    @given(
        keys=st.lists(KEY_TEXT, max_size=8, unique=True),
        prefix=KEY_TEXT,
        other=st.booleans(),
    )
    def test_it_finds_what_the_orm_finds(self, keys, prefix, other):
        VitalSignsReading.objects.filter(session__in=[self.session, self.other]).delete()
        now = timezone.now()
        VitalSignsReading.objects.bulk_create(
            VitalSignsReading(
                session=self.other if other and i % 2 else self.session,
                measured_at=now - timedelta(seconds=i),
                heart_rate_bpm=60 + i,
                symptoms=["nausea"] if i % 3 == 0 else [],
                idempotency_key=key,
                payload_digest=f"d{i}",
                recorded_by=self.nurse,
            )
            for i, key in enumerate(keys)
        )
        expected = vitals.stored_readings(
            Q(idempotency_key__startswith=prefix), session_id=self.session.pk
        )
        found = vitals._STORED_BY_PREFIX.objects(
            VitalSignsReading, DEFAULT_DB_ALIAS, prefix=prefix, session_id=self.session.pk
        )
        self.assertEqual([_loaded(r) for r in found], [_loaded(r) for r in expected])
        self.assertEqual(
            {r.idempotency_key for r in found},
            {k for i, k in enumerate(keys) if k.startswith(prefix) and not (other and i % 2)},
        )

    def test_the_prefix_must_be_text(self):
        with self.assertRaises(TypeError):
            vitals._STORED_BY_PREFIX.rows(DEFAULT_DB_ALIAS, prefix=1, session_id=self.session.pk)


def _loaded(reading):
    """Every loaded field (deferred ones stay unread), and the instance's database."""
    deferred = reading.get_deferred_fields()
    return (
        [
            (f.attname, getattr(reading, f.attname))
            for f in reading._meta.concrete_fields
            if f.attname not in deferred
        ],
        sorted(deferred),
        reading._state.db,
    )
