"""The first page of a patient's administrations and its alerts come from queries compiled
once per connection: for generated histories, limits and instruments they give exactly the
rows and alerts the ORM's queries give, and their SQL is the ORM's SQL. On PostgreSQL the
alerts' statement is one text whatever the page's length (the ids as one array)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.core.compiled import compiled_statements
from ketamine_care.core.lookups import AnyOf
from ketamine_care.instruments.api import LISTED, LISTED_ALERT
from ketamine_care.instruments.models import Administration
from ketamine_care.instruments.paging import _page_rows, administrations_page_values
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import phq9, record

HISTORY = st.lists(st.tuples(st.sampled_from(["phq9", "gad7"]), st.booleans()), max_size=8)


def orm_page(patient, instrument: str, limit: int):
    """The page as the ORM reads it: the reference."""
    found = list(_page_rows(patient, instrument, "").values(*LISTED)[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    model = Administration._meta.get_field("safety_alerts").related_model
    ids = [row["id"] for row in found]
    if connection.vendor == "postgresql":
        linked = model.objects.filter(AnyOf(F("administration_id"), ids))
    else:
        linked = model.objects.filter(administration_id__in=ids)
    # As the API asks: its alert fields (administration_id among them) after administration_id.
    alerts = list(linked.values("administration_id", *LISTED_ALERT)) if ids else []
    return found, alerts, str(found[-1]["public_id"]) if more and found else None


class CompiledFirstPageTests(ClinicTestCase, TestCase):
    @settings(max_examples=15, deadline=None)
    @given(history=HISTORY, limit=st.integers(1, 5), instrument=st.sampled_from(["", "gad7", "x"]))
    def test_the_compiled_page_is_the_orm_page(self, history, limit, instrument):
        for days, (code, alarming) in enumerate(history):
            answers = phq9(8, 2 if alarming else 0) if code == "phq9" else [1] * 7
            record(self.patient, self.nurse, code, answers, days_ago=days % 3)
        page = administrations_page_values(
            self.patient, LISTED, LISTED_ALERT, instrument=instrument, limit=limit
        )
        rows, alerts, cursor = orm_page(self.patient, instrument, limit)
        self.assertEqual(page.rows, rows)
        self.assertEqual(page.next_cursor, cursor)
        listed = [alert for row in page.rows for alert in page.alerts[row["id"]]]
        expected = [a for row in rows for a in alerts if a["administration_id"] == row["id"]]
        self.assertEqual(listed, expected)

    def test_the_compiled_sql_is_the_orm_sql(self):
        record(self.patient, self.nurse, "phq9", phq9(8, 2), days_ago=1)
        for instrument in ("", "phq9"):
            with CaptureQueriesContext(connection) as compiled:
                administrations_page_values(
                    self.patient, LISTED, LISTED_ALERT, instrument=instrument, limit=4
                )
            with CaptureQueriesContext(connection) as orm:
                orm_page(self.patient, instrument, 4)
            self.assertEqual([q["sql"] for q in compiled], [q["sql"] for q in orm])

    @pytest.mark.only_on("postgresql")
    def test_pages_of_any_length_share_one_alerts_statement(self):
        for days in range(5):
            record(self.patient, self.nurse, "phq9", phq9(8, 2), days_ago=days)
        for limit in (1, 3, 5):
            with CaptureQueriesContext(connection) as queries:
                page = administrations_page_values(self.patient, LISTED, LISTED_ALERT, limit=limit)
            self.assertEqual(len(page.rows), limit)
            self.assertTrue(all(page.alerts[row["id"]] for row in page.rows))
            alerts_sql = [q["sql"] for q in queries if "safetyalert" in q["sql"]]
            self.assertEqual(len(alerts_sql), 1)
            self.assertIn("= ANY(", alerts_sql[0])
        names = compiled_statements(connection.alias)["queries"]
        self.assertEqual(len([n for n in names if n.startswith("administrations:alerts")]), 1)
