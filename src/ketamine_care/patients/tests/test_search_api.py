"""Search through the API and the list page: cursors, the count's limit, short queries, bad
cursors and another clinic's patients; a constant number of queries per page."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client, override_settings

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.patients.tests.test_search_pages import add_patients
from ketamine_care.testing.base import ClinicTestCase

API = "/api/v1/patients"


class SearchApiTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        membership = Membership.objects.select_related("clinic", "user").get(user=cls.nurse)
        _, cls.token = issue_api_token(membership=membership)
        people = [("Maria", "Garcia", False), ("Mario", "Garcia", False), ("Ann", "Marsh", True)]
        add_patients(cls.clinic, people * 3, "S-")
        # Another clinic with the same names: none of them may ever be listed.
        cls.theirs = add_patients(cls.other_clinic, people * 3, "S-")

    def get(self, **params):
        return Client().get(API, params, HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def test_following_next_lists_every_match_once_in_order(self):
        seen, cursor = [], None
        for _ in range(10):
            body = self.get(q="gar", limit=2, **({"cursor": cursor} if cursor else {})).json()
            self.assertEqual((body["count"], body["count_estimated"]), (6, False))
            seen += [item["id"] for item in body["items"]]
            cursor = body["next"]
            if cursor is None:
                break
        self.assertEqual(len(seen), 6)
        self.assertEqual(len(set(seen)), 6)
        everything = [item["id"] for item in self.get(q="gar", limit=50).json()["items"]]
        self.assertEqual(seen, everything)
        theirs = {str(p.public_id) for p in self.theirs}
        self.assertFalse(theirs & set(seen))

    def test_words_of_three_letters_match_inside_names_two_letters_only_the_start(self):
        self.assertEqual(self.get(q="arci").json()["count"], 6)
        self.assertEqual(self.get(q="ar").json()["count"], 0)
        self.assertEqual(self.get(q="ma").json()["count"], 9)  # Maria, Mario, Marsh (x3)

    @override_settings(PATIENT_SEARCH_EXACT_COUNT_LIMIT=5)
    def test_beyond_the_limit_the_count_is_marked_estimated(self):
        body = self.get(q="gar").json()
        self.assertTrue(body["count_estimated"])
        self.assertGreaterEqual(body["count"], 6)
        body = self.get(q="marsh").json()
        self.assertEqual((body["count"], body["count_estimated"]), (3, False))
        page = self.client_for(self.nurse).get("/patients/", {"q": "gar"})
        self.assertContains(page, "about 6 patients")

    def test_a_bad_cursor_is_a_400_naming_the_cursor(self):
        another_clinics_patient = str(self.theirs[0].public_id)
        for cursor in ("not-a-cursor", str(uuid.uuid4()), another_clinics_patient):
            with self.subTest(cursor=cursor):
                response = self.get(q="gar", cursor=cursor)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["error"], "invalid")
                self.assertEqual(list(response.json()["fields"]), ["cursor"])
        first = self.get(q="gar", limit=2).json()["next"]
        response = self.get(q="gar", cursor=first, offset=2)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()["fields"]), ["offset"])

    def test_the_list_page_answers_a_bad_cursor_with_400_and_the_first_page(self):
        response = self.client_for(self.nurse).get("/patients/", {"q": "gar", "cursor": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "start again from the first page", status_code=400)
        self.assertContains(response, "Garcia, Maria", status_code=400)

    def test_the_list_page_links_the_next_page_and_back_to_the_first(self):
        client = self.client_for(self.nurse)
        first = client.get("/patients/", {"q": "garcia"})
        self.assertContains(first, "6 patients")
        self.assertNotContains(first, "First page")
        self.assertNotContains(first, "Next patients")  # six fit on one page of 25
        add_patients(self.clinic, [("Zoe", "Garcia", False)] * 25, "N-")
        first = client.get("/patients/", {"q": "garcia"})
        self.assertContains(first, "31 patients")
        cursor = first.context["page"].next_cursor
        self.assertContains(first, f'href="?q=garcia&amp;cursor={cursor}">Next patients</a>')
        second = client.get("/patients/", {"q": "garcia", "cursor": cursor})
        self.assertEqual(len(second.context["page"].patients), 6)
        self.assertContains(second, 'href="?q=garcia">First page</a>')
        self.assertNotContains(second, "Next patients")

    def test_one_letter_finds_only_an_exact_mrn_and_says_why(self):
        body = self.get(q="m").json()
        self.assertEqual(body["items"], [])
        self.assertIn("at least 2", body["notice"])
        body = self.get(q="S-1").json()  # a whole MRN is searched as usual
        self.assertEqual(body["count"], 1)
        self.assertIsNone(body["notice"])
        page = self.client_for(self.nurse).get("/patients/", {"q": "m"})
        self.assertContains(page, "Type at least 2 letters")
        self.assertNotContains(page, "No patient matches")

    def test_the_number_of_queries_does_not_grow_with_the_matches(self):
        def queries_for(**params) -> int:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.get(**params).status_code, 200)
            return len(captured)

        self.get(q="gar")  # the token's first use is recorded once
        small = queries_for(q="gar", limit=2)
        cursor = self.get(q="gar", limit=2).json()["next"]
        add_patients(self.clinic, [("Maria", "Garcia", False)] * 40, "T-")
        self.assertEqual(queries_for(q="gar", limit=2), small)
        # A page after a cursor adds one query (the cursor's patient), at any size; on
        # PostgreSQL a first page also counts and reads its few matches in one statement
        # (`search._first_page`), where a page after a cursor takes two.
        with_cursor = queries_for(q="gar", limit=2, cursor=cursor)
        add_patients(self.clinic, [("Maria", "Garcia", False)] * 40, "U-")
        self.assertEqual(queries_for(q="gar", limit=2, cursor=cursor), with_cursor)
        self.assertEqual(with_cursor, small + (2 if connection.vendor == "postgresql" else 1))

    @pytest.mark.only_on("postgresql")  # a PostgreSQL setting: the SQLite pass leaves it out
    def test_postgresql_connections_run_without_parallel_workers(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            self.assertEqual(cursor.fetchone()[0], "0")
