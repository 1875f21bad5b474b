"""The search API reads each page's patients as named rows of the fields it returns
(`search_page(..., fields=LISTED)`), not as whole patients: for generated clinics, queries
and page sizes every page serialises to what the whole patients serialise to, with the same
next cursors, and the search's audit record names the same patients."""

from __future__ import annotations

from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.patients import search
from ketamine_care.patients.api import LISTED, patient_out
from ketamine_care.patients.search import search_page
from ketamine_care.patients.tests.test_search_pages import PEOPLE, QUERIES, add_patients


def pages(clinic, query: str, limit: int, fields=()) -> list[tuple[list[dict], str | None]]:
    found, cursor = [], ""
    for _ in range(20):
        page = search_page(clinic, query, cursor=cursor, limit=limit, fields=fields)
        found.append(([patient_out(p) for p in page.patients], page.next_cursor))
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
    raise AssertionError("the pages never end")


class SearchRowsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="Rows Clinic")
        user = User.objects.create_user("rows@rows.test", "pw-rows-1", full_name="Rows")
        member = Membership.objects.create(user=user, clinic=cls.clinic, role=Role.PRESCRIBER)
        cls.token = issue_api_token(membership=member, name="rows")[1]

    @settings(max_examples=30, deadline=None)
    @given(people=PEOPLE, query=QUERIES, limit=st.integers(min_value=1, max_value=4))
    def test_named_rows_give_the_pages_whole_patients_give(self, people, query, limit):
        add_patients(self.clinic, people, "R-")
        whole = pages(self.clinic, query, limit)
        self.assertEqual(pages(self.clinic, query, limit, LISTED), whole)
        # The other ways a page is read (matches sorted, or walked in index order).
        with mock.patch.object(search, "SORT_AT_MOST", -1):
            self.assertEqual(pages(self.clinic, query, limit, LISTED), whole)
        response = self.client.get(
            "/api/v1/patients",
            {"q": query, "limit": limit},
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )
        self.assertEqual(response.status_code, 200)
        items = [{**p, "id": str(p["id"]), "date_of_birth": p["date_of_birth"].isoformat()}
                 for p in whole[0][0]]  # fmt: skip
        self.assertEqual(response.json()["items"], items)
        self.assertEqual(response.json()["next"], whole[0][1])
        audited = AuditEvent.objects.filter(event_type="patients.searched").latest("id")
        self.assertEqual(audited.changes["patients"], [p["id"] for p in items])
