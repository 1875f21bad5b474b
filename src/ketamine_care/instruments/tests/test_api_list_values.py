"""The administrations list, built from plain values, answers exactly what serialising each
administration object gives (the same JSON, row for row, alerts included and in order), in
the same number of queries whatever the history's length."""

from __future__ import annotations

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.instruments.api import administration_out
from ketamine_care.instruments.models import Administration
from ketamine_care.instruments.schemas import AdministrationOut
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import phq9, record


class AdministrationListValuesTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.token = issue_api_token(membership=Membership.objects.get(user=cls.nurse))[1]

    def listed(self, query: str = "") -> list:
        url = f"/api/v1/patients/{self.patient.public_id}/administrations{query}"
        response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {self.token}")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def one_by_one(self, **filters) -> list:
        rows = Administration.objects.filter(patient=self.patient, **filters)
        out = [AdministrationOut.model_validate(administration_out(a)).model_dump() for a in rows]
        return json.loads(json.dumps(out, cls=NinjaJSONEncoder))

    def add_history(self, weeks: int) -> None:
        for week in range(weeks):
            # Every third PHQ-9 has a positive item 9: a safety alert on that row.
            item9 = 2 if week % 3 == 0 else 0
            record(self.patient, self.nurse, "phq9", phq9(6 + week % 10, item9), days_ago=week)
            record(self.patient, self.nurse, "gad7", [1] * 7, days_ago=week + 0.5)

    def test_the_list_is_what_each_administration_serialises_to(self):
        self.add_history(7)
        listed = self.listed()
        self.assertEqual(len(listed), 14)
        self.assertTrue(any(row["alerts"] for row in listed))
        self.assertEqual(listed, self.one_by_one())
        self.assertEqual(self.listed("?instrument=gad7"), self.one_by_one(instrument_code="gad7"))
        self.assertEqual(self.listed("?instrument=none"), [])

    def test_every_page_is_what_each_administration_serialises_to(self):
        self.add_history(5)
        pages, query = [], "?limit=3"
        while query is not None:
            url = f"/api/v1/patients/{self.patient.public_id}/administrations{query}"
            response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {self.token}")
            self.assertEqual(response.status_code, 200)
            pages.append(response.json())
            link = response.headers.get("Link")
            query = link[link.index("?") : link.index(">")] if link else None
        self.assertEqual([len(page) for page in pages], [3, 3, 3, 1])
        newest_first = self.one_by_one()
        newest_first.sort(key=lambda row: (row["administered_at"], row["id"]), reverse=True)
        by_id = {row["id"]: row for row in newest_first}
        listed = [row for page in pages for row in page]
        self.assertEqual(listed, [by_id[row["id"]] for row in listed])
        self.assertEqual(sorted(row["id"] for row in listed), sorted(by_id))

    def test_the_query_count_does_not_grow_with_the_history(self):
        self.add_history(1)
        self.listed()
        with CaptureQueriesContext(connection) as short:
            self.listed()
        self.add_history(6)
        with self.assertNumQueries(len(short.captured_queries)):
            self.listed()
