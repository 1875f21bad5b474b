"""The search's statements compiled once per shape (`core.compiled.ShapedStatement`) are,
for any words, exactly the SQL and parameters the ORM builds for those words: the same
statement, whatever the letters (LIKE's own characters, the marker range, non-ASCII), the
word lengths, the clinic or the limit; and a search answers the same with the shapes
compiled or not."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Clinic
from ketamine_care.core.compiled import compiled_statements
from ketamine_care.patients import search
from ketamine_care.patients.tests.test_search_pages import PEOPLE, add_patients

pytestmark = pytest.mark.only_on("postgresql")

# LIKE's own characters, a backslash, letters that change case, the marker range.
LETTERS = "ab%_\\\u00dfK\ue000\ue001\u0130"
WORDS = st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=5), min_size=1, max_size=6)


def _compiled() -> dict:
    return compiled_statements(DEFAULT_DB_ALIAS)


def _built(statement, words, **fixed):
    sql, params = statement.build(list(words), **fixed)
    return sql, list(params)


class SearchShapesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="Shapes")
        cls.other = Clinic.objects.create(name="Other shapes")

    def setUp(self):
        _compiled().pop("shapes", None)

    def counts(self, query: str, clinic, limit: int):
        words = search.query_words(query)
        fixed = {"clinic": clinic, "alias": DEFAULT_DB_ALIAS, "limit": limit}
        cached = search._COUNTS.sql(DEFAULT_DB_ALIAS, words, (clinic.pk, limit), **fixed)
        return cached, _built(search._COUNTS, words, **fixed)

    def page(self, query: str, clinic, at: tuple[int, int]):
        words = search.query_words(query)
        fixed = {"clinic": clinic, "alias": DEFAULT_DB_ALIAS, "at": at}
        cached = search._PAGE_KEYS.sql(DEFAULT_DB_ALIAS, words, (clinic.pk, *at), **fixed)
        return cached, _built(search._PAGE_KEYS, words, **fixed)

    def first_page(self, query: str, clinic, limit: int, at: tuple[int, int]):
        """The API's first page: the count and few rows in one statement, or the walked page."""
        words, columns = search.query_words(query), ("public_id", "mrn", "family_name")
        fixed = {"clinic": clinic, "alias": DEFAULT_DB_ALIAS, "at": at, "columns": columns}
        counted = {**fixed, "limit": limit, "sort_at_most": search.SORT_AT_MOST}
        shape = (clinic.pk, limit, search.SORT_AT_MOST, at, columns)
        yield (
            search._FIRST_PAGE.sql(DEFAULT_DB_ALIAS, words, shape, **counted),
            _built(search._FIRST_PAGE, words, **counted),
        )
        shape = (clinic.pk, at, columns)
        yield (
            search._WALKED_PAGE.sql(DEFAULT_DB_ALIAS, words, shape, **fixed),
            _built(search._WALKED_PAGE, words, **fixed),
        )

    @settings(max_examples=60, deadline=None)
    @given(first=WORDS, second=WORDS, limit=st.integers(0, 20), offset=st.integers(0, 3))
    def test_a_compiled_shape_is_the_statement_the_orm_builds(self, first, second, limit, offset):
        # `second` often has the shape of `first` (same lengths): it reuses what `first` compiled.
        same_shape = ["".join(reversed(w)) for w in first]
        for words, clinic in (
            (first, self.clinic),
            (same_shape, self.other),
            (second, self.clinic),
        ):
            query = " ".join(words)
            if search._one_query(query, DEFAULT_DB_ALIAS):
                continue
            cached, built = self.counts(query, clinic, limit)
            self.assertEqual(cached, built)
            cached, built = self.page(query, clinic, (offset, limit + 1))
            self.assertEqual(cached, built)
            for cached, built in self.first_page(query, clinic, limit, (offset, limit + 1)):
                self.assertEqual(cached, built)

    def test_a_shape_is_compiled_once(self):
        self.counts("garc ab", self.clinic, 10)
        compiled = dict(_compiled()["shapes"])
        self.assertEqual(len(compiled), 1)
        self.assertIsNotNone(next(iter(compiled.values())), "the shape was not compiled")
        cached, built = self.counts("omar ki", self.clinic, 10)
        self.assertEqual(cached, built)
        self.assertEqual(_compiled()["shapes"], compiled)
        self.assertIn("%omar%", cached[1])

    @settings(max_examples=25, deadline=None)
    @given(people=PEOPLE, query=st.text(alphabet="abrm ", min_size=2, max_size=9))
    @override_settings(PATIENT_SEARCH_EXACT_COUNT_LIMIT=3)
    def test_a_search_answers_the_same_with_its_shapes_compiled(self, people, query):
        add_patients(self.clinic, people, "S")
        add_patients(self.other, people, "O")
        _compiled().pop("shapes", None)
        first = search.search_page(self.clinic, query, limit=2)
        again = search.search_page(self.clinic, query, limit=2)
        self.assertEqual(again, first)
