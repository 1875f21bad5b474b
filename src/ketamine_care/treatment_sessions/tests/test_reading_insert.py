"""Readings inserted by `core.plain_insert.insert_all` are stored exactly as `bulk_create`
stores them (every column but the keys and the time of recording), and the objects come
back saved with the keys of their rows, in order; values of another type still go through
their field's conversion."""

from __future__ import annotations

from datetime import timedelta

from django.db import DataError, connection, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.core.plain_insert import insert_all, insert_one_sql
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions.models import AlertCheckpoint, VitalSignsReading
from ketamine_care.treatment_sessions.monitoring import FIELDS
from ketamine_care.treatment_sessions.readings import SYMPTOMS
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session

KEYS = {"id", "public_id", "session_id", "recorded_at"}
MEASURE = st.one_of(st.none(), st.integers(0, 300), st.integers(0, 300).map(str))


def _allowed(values: dict) -> dict:
    """Within the table's checks: diastolic below systolic, MOAA/S at most 5."""
    systolic, diastolic = values["bp_systolic_mmhg"], values["bp_diastolic_mmhg"]
    if systolic is not None and diastolic is not None and int(diastolic) >= int(systolic):
        values["bp_diastolic_mmhg"] = None
    if values["moaas"] is not None and int(values["moaas"]) > 5:
        values["moaas"] = None
    return values


READING = st.fixed_dictionaries(
    {
        "seconds": st.integers(0, 10_000),
        "values": st.fixed_dictionaries({f: MEASURE for f in FIELDS.values()}).map(_allowed),
        "symptoms": st.lists(st.sampled_from(sorted(SYMPTOMS)), unique=True, max_size=3),
        "source": st.one_of(
            st.sampled_from(["manual", "monitor"]),
            # What an array literal must quote or escape.
            st.sampled_from(['a"b', "a\\b", "{x,y}", "it's", "NULL", " pad ", "", '\\"']),
            # Text a request can carry: no NUL, no lone surrogate (not encodable as UTF-8).
            st.text(
                st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=8
            ),
        ),
        "digest": st.text(alphabet="0123456789abcdef", max_size=64),
    }
)


def _columns(row) -> dict:
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in KEYS
    }


class ReadingInsertTests(TestCase, ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        cls.first = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)
        other = make_patient(clinic=cls.clinic, actor=cls.nurse)
        cls.second = dosing_session(other, version, cls.nurse, cls.prescriber)

    def unsaved(self, session, readings, start):
        return [
            VitalSignsReading(
                session=session,
                measured_at=start - timedelta(seconds=r["seconds"]),
                source=r["source"],
                idempotency_key=f"k{i}",
                payload_digest=r["digest"],
                recorded_by=self.nurse,
                symptoms=r["symptoms"],
                **r["values"],
            )
            for i, r in enumerate(readings)
        ]

    @settings(max_examples=30, deadline=None)
    @given(readings=st.lists(READING, min_size=1, max_size=70))
    def test_rows_are_stored_as_bulk_create_stores_them(self, readings):
        VitalSignsReading.objects.filter(session__in=[self.first, self.second]).delete()
        start = timezone.now()
        before = timezone.now()
        plain = insert_all(self.unsaved(self.first, readings, start))
        orm = VitalSignsReading.objects.bulk_create(self.unsaved(self.second, readings, start))
        stored = {row.pk: row for row in VitalSignsReading.objects.filter(session=self.first)}
        self.assertEqual(sorted(stored), sorted(obj.pk for obj in plain))
        expected = list(VitalSignsReading.objects.filter(pk__in=[o.pk for o in orm]).order_by("pk"))
        got = [stored[obj.pk] for obj in plain]
        self.assertEqual([_columns(row) for row in got], [_columns(row) for row in expected])
        for obj, row in zip(plain, got, strict=True):
            self.assertFalse(obj._state.adding)
            self.assertEqual((obj.public_id, obj.recorded_at), (row.public_id, row.recorded_at))
            self.assertGreaterEqual(row.recorded_at, before)

    def test_a_value_too_long_for_its_column_is_refused_as_bulk_create_refuses_it(self):
        def row():
            return VitalSignsReading(
                session=self.first,
                measured_at=timezone.now(),
                source="x" * 61,  # the column holds 60
                idempotency_key="too-long",
                recorded_by=self.nurse,
            )

        outcomes = []
        for insert in (VitalSignsReading.objects.bulk_create, insert_all):
            try:
                with transaction.atomic():
                    insert([row()])
                    transaction.set_rollback(True)
                outcomes.append("stored")
            except DataError:
                outcomes.append("refused")
        self.assertEqual(outcomes[0], outcomes[1])
        if connection.vendor == "postgresql":  # SQLite does not check a text's length
            self.assertEqual(outcomes, ["refused", "refused"])


class KeptStatementTests(TestCase, ClinicTestCase):
    """`insert_all` and `insert_one_sql` keep each model's INSERT once per connection: one
    model's statement never serves another's rows."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        cls.session = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)

    def test_each_model_keeps_its_own_statement(self):
        at = timezone.now()
        for n in range(2):
            reading = VitalSignsReading(
                session=self.session, measured_at=at, heart_rate_bpm=70 + n,
                idempotency_key=f"kept-{n}", recorded_by=self.nurse,
            )  # fmt: skip
            checkpoint = AlertCheckpoint(
                session=self.session,
                through_at=at + timedelta(seconds=n),
                basis=str(n) * 64,
                states={"n": n},
            )
            insert_all([reading])
            insert_all([checkpoint])
            for obj in (VitalSignsReading(session=self.session), checkpoint):
                sql, params = insert_one_sql(obj, connection)
                self.assertIn(connection.ops.quote_name(obj._meta.db_table), sql)
                self.assertEqual(len(params), len(obj._meta.concrete_fields) - 1)
            stored = VitalSignsReading.objects.get(pk=reading.pk)
            self.assertEqual((stored.heart_rate_bpm, stored.idempotency_key), (70 + n, f"kept-{n}"))
            kept = AlertCheckpoint.objects.get(pk=checkpoint.pk)
            self.assertEqual((kept.basis, kept.states), (str(n) * 64, {"n": n}))
