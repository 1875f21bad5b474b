"""PostgreSQL times are read by psycopg's compiled loader where it gives exactly what Django's
loader gives (core/pg_times.py), and by Django's everywhere else."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from psycopg.pq import Format

from ketamine_care.core import pg_times
from ketamine_care.core.pg_times import UtcTimestamptzLoader, use_compiled_loader

MOMENTS = st.lists(
    st.datetimes(
        min_value=datetime.datetime(1, 1, 2),
        max_value=datetime.datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [datetime.UTC, datetime.timezone(datetime.timedelta(hours=5, minutes=45))]
        ),
    ),
    min_size=1,
    max_size=20,
)
SELECT = "SELECT unnest(%s::timestamptz[]) AS t"


@pytest.mark.only_on("postgresql")
class CompiledLoaderTests(TestCase):
    def test_every_connection_reads_times_with_the_compiled_loader(self):
        connection.ensure_connection()
        oid = connection.connection.adapters.types["timestamptz"].oid
        self.assertIs(
            connection.connection.adapters.get_loader(oid, Format.TEXT), UtcTimestamptzLoader
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            (now,) = cursor.fetchone()
        self.assertIs(now.tzinfo, datetime.UTC)
        self.assertIsInstance(UtcTimestamptzLoader(oid, connection.connection), pg_times._COMPILED)

    @settings(max_examples=60, deadline=None)
    @given(moments=MOMENTS)
    def test_it_reads_exactly_what_djangos_loader_reads(self, moments):
        texts = [moment.isoformat() for moment in moments]
        with connection.cursor() as cursor:
            cursor.execute(SELECT, [texts])
            compiled = [row[0] for row in cursor.fetchall()]
        with connection.cursor() as cursor:
            register_tzloader(datetime.UTC, cursor.cursor)  # Django's own, on this cursor only
            cursor.execute(SELECT, [texts])
            django = [row[0] for row in cursor.fetchall()]
        self.assertEqual(compiled, django)
        self.assertEqual(compiled, moments)
        self.assertTrue(all(moment.tzinfo is datetime.UTC for moment in compiled + django))


class WhereItIsNotUsedTests(SimpleTestCase):
    def connection(self, *, vendor="postgresql", zone="UTC", django_zone=datetime.UTC):
        registered = []
        raw = SimpleNamespace(
            info=SimpleNamespace(parameter_status=lambda name: zone),
            adapters=SimpleNamespace(register_loader=lambda *args: registered.append(args)),
        )
        return SimpleNamespace(vendor=vendor, timezone=django_zone, connection=raw), registered

    def test_a_utc_postgresql_connection_gets_it(self):
        conn, registered = self.connection()
        use_compiled_loader(None, conn)
        self.assertEqual(registered, [("timestamptz", UtcTimestamptzLoader)])

    def test_another_zone_another_backend_or_naive_times_keep_djangos_loader(self):
        paris = datetime.timezone(datetime.timedelta(hours=1))
        for case in ({"zone": "Europe/Paris"}, {"vendor": "sqlite"}, {"django_zone": paris}):
            with self.subTest(**{k: str(v) for k, v in case.items()}):
                conn, registered = self.connection(**case)
                use_compiled_loader(None, conn)
                self.assertEqual(registered, [])
        conn, registered = self.connection()
        with self.settings(USE_TZ=False):
            use_compiled_loader(None, conn)
        self.assertEqual(registered, [])

    def test_without_psycopgs_c_module_nothing_changes(self):
        conn, registered = self.connection()
        original, pg_times._COMPILED = pg_times._COMPILED, None
        try:
            use_compiled_loader(None, conn)
        finally:
            pg_times._COMPILED = original
        self.assertEqual(registered, [])
