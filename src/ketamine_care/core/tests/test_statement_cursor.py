"""The statements every request runs are prepared on PostgreSQL, once per connection, and only
when the connection may prepare (`DB_PREPARED_STATEMENTS`); they find the same rows either way,
and the query log still shows each statement with its values."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from ketamine_care.accounts.models import Clinic
from ketamine_care.core.compiled import TEXT, CompiledQuery, statement_cursor


def clinics_named(clinic_name):
    return Clinic.objects.filter(name=clinic_name).order_by("id").values_list("id", "name")


def clinics_at(address):
    return Clinic.objects.filter(address=address).order_by("id").values_list("id", "name")


def prepared_statements(text: str) -> list[tuple]:
    """This connection's prepared statements whose text holds `text`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{text}%"],
        )
        return cursor.fetchall()


@pytest.mark.only_on("postgresql")
class PreparedOnPostgresqlTests(TestCase):
    def test_a_compiled_query_is_prepared_once_and_finds_what_the_orm_finds(self):
        for name in ("Ash", "Birch"):
            Clinic.objects.create(name=name)
        named = CompiledQuery("test-prepared-once", clinics_named, clinic_name=TEXT)
        for name in ("Ash", "Birch", "Cedar", "Ash", "Ash", "Ash", "Ash", "Ash", "Ash"):
            self.assertEqual(
                named.rows(DEFAULT_DB_ALIAS, clinic_name=name), list(clinics_named(name))
            )
        self.assertEqual(len(named.rows(DEFAULT_DB_ALIAS, clinic_name="Ash")), 1)
        found = prepared_statements('"accounts_clinic"."name" = $1')
        self.assertEqual(len(found), 1, found)

    def test_nothing_is_prepared_when_the_connection_may_not_prepare(self):
        Clinic.objects.create(name="Elm", address="1 Elm Row")
        at = CompiledQuery("test-not-prepared", clinics_at, address=TEXT)
        options = dict(connection.settings_dict["OPTIONS"])
        options.pop("prepare_threshold", None)
        with mock.patch.dict(connection.settings_dict, {"OPTIONS": options}):
            rows = [at.rows(DEFAULT_DB_ALIAS, address="1 Elm Row") for _ in range(7)]
        self.assertEqual(rows, [list(clinics_at("1 Elm Row"))] * 7)
        self.assertEqual(prepared_statements('"accounts_clinic"."address"'), [])

    def test_the_query_log_shows_the_statement_with_its_values(self):
        named = CompiledQuery("test-logged", clinics_named, clinic_name=TEXT)
        with CaptureQueriesContext(connection) as captured:
            named.rows(DEFAULT_DB_ALIAS, clinic_name="O'Hara")
        (logged,) = captured.captured_queries
        self.assertIn("\"accounts_clinic\".\"name\" = 'O''Hara'", logged["sql"])

    def test_a_failed_statement_fails_like_any_other_and_the_next_one_runs(self):
        with self.assertRaises(DatabaseError), transaction.atomic():
            with statement_cursor(connection) as cursor:
                cursor.execute("SELECT 1 / %s", [0])
        with statement_cursor(connection) as cursor:
            cursor.execute("SELECT 1 + %s", [1])
            self.assertEqual(cursor.fetchone(), (2,))


@pytest.mark.only_on("sqlite")
class OtherBackendTests(TestCase):
    def test_elsewhere_the_cursor_is_the_connections_own(self):
        self.assertIs(type(statement_cursor(connection).cursor), type(connection.cursor().cursor))
        with statement_cursor(connection) as cursor:
            cursor.execute("SELECT 1 + %s", [1])
            self.assertEqual(cursor.fetchone(), (2,))
