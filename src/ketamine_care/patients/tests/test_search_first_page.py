"""The API's first page of a search in one statement (`search._first_page`: the bounded
count, the merge of its ids and the page together, on PostgreSQL) answers exactly what the
long way answers (`search._any_page`: the count's ids merged in Python, then the page): the
same rows (values and types), count, estimate and next cursor, for generated clinics,
queries, page sizes, offsets, exact-count limits and `SORT_AT_MOST` (which decides between
sorting the matches and walking each way of matching in index order). On SQLite no search
has ways of matching, so the long way answers every page, as the test checks."""

from __future__ import annotations

from unittest import mock

from django.db import connection
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Clinic
from ketamine_care.patients import search
from ketamine_care.patients.api import LISTED
from ketamine_care.patients.search import search_page
from ketamine_care.patients.tests.test_search_pages import PEOPLE, QUERIES, add_patients


def long_way(clinic, query: str, *, limit: int, offset: int, fields) -> search.SearchPage:
    return search._any_page(clinic, query, cursor="", limit=limit, offset=offset, fields=fields)


class FirstPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="First page")
        cls.other = Clinic.objects.create(name="Other first page")

    @settings(max_examples=60, deadline=None)
    @given(
        people=PEOPLE,
        query=QUERIES,
        limit=st.integers(min_value=1, max_value=5),
        offset=st.integers(min_value=0, max_value=4),
        exact=st.sampled_from([0, 1, 2, 3, 10_000]),
        sort_at_most=st.sampled_from([-1, 0, 2, 1_000]),
    )
    def test_the_one_statement_answers_what_the_long_way_answers(
        self, people, query, limit, offset, exact, sort_at_most
    ):
        add_patients(self.clinic, people, "F-")
        # The same names in another clinic: they tie with ours, and must never appear.
        add_patients(self.other, people, "F-")
        fields = LISTED
        with (
            override_settings(PATIENT_SEARCH_EXACT_COUNT_LIMIT=exact),
            mock.patch.object(search, "SORT_AT_MOST", sort_at_most),
            mock.patch.object(search, "_first_page", wraps=search._first_page) as one,
        ):
            got = search_page(self.clinic, query, limit=limit, offset=offset, fields=fields)
            expected = long_way(self.clinic, query, limit=limit, offset=offset, fields=fields)
        self.assertEqual(got, expected)
        self.assertEqual(
            [[type(value) for value in row] for row in got.patients],
            [[type(value) for value in row] for row in expected.patients],
        )
        self.assertEqual([row._fields for row in got.patients], [fields] * len(got.patients))
        ways = not search._one_query(query, connection.alias)
        self.assertEqual(one.called, ways)
        if connection.vendor != "postgresql":
            self.assertFalse(ways, "ways of matching on a backend without ordered unions")

    def test_a_patient_matched_two_ways_is_counted_once(self):
        # "Abra Abra": the word matches the family name and the given name.
        add_patients(self.clinic, [("Abra", "Abra", False), ("Mab", "Abram", True)], "T-")
        page = search_page(self.clinic, "abr", limit=5, fields=LISTED)
        self.assertEqual((page.count, page.count_estimated), (2, False))
        self.assertEqual([p.family_name for p in page.patients], ["Abra", "Abram"])
        self.assertEqual(page, long_way(self.clinic, "abr", limit=5, offset=0, fields=LISTED))

    def test_ties_on_the_family_name_are_ordered_by_given_name_then_id(self):
        people = [("Mm", "Ab", False), ("Ma", "Ab", False), ("Mb", "Ab", False), ("Ma", "Ab", True)]
        ours = add_patients(self.clinic, people, "O-")
        for offset in range(4):
            page = search_page(self.clinic, "ab", limit=1, offset=offset, fields=LISTED)
            expected = long_way(self.clinic, "ab", limit=1, offset=offset, fields=LISTED)
            self.assertEqual(page, expected)
        order = search_page(self.clinic, "ab", limit=4, fields=LISTED).patients
        self.assertEqual([p.mrn for p in order], [ours[i].mrn for i in (1, 3, 2, 0)])
