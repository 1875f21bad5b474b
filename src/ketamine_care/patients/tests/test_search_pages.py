"""Keyset pages of patient search give exactly what one fully ordered search gives: every
match once, in order, whatever the page size, the ties or the words; never another
clinic's patients."""

from __future__ import annotations

from datetime import date
from unittest import mock

from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Clinic
from ketamine_care.patients import search
from ketamine_care.patients.models import Patient
from ketamine_care.patients.search import (
    count_matches,
    matching_patients,
    search_page,
    search_patients,
)

# Few letters, so that names share prefixes, contain each other and tie exactly.
NAMES = st.text(alphabet="abrm", min_size=1, max_size=4).map(str.title)
PEOPLE = st.lists(st.tuples(NAMES, NAMES, st.booleans()), min_size=0, max_size=14)
QUERIES = st.one_of(
    st.text(alphabet="abrm", min_size=1, max_size=4),
    st.tuples(
        st.text(alphabet="abrm", min_size=2, max_size=3),
        st.text(alphabet="abrm", min_size=1, max_size=3),
    ).map(" ".join),
    st.just(""),
    st.just("1980-01-02"),
)


def add_patients(clinic, people, mrn_prefix: str) -> list[Patient]:
    rows = []
    for number, (given_name, family_name, born_1980) in enumerate(people):
        patient = Patient(
            clinic=clinic,
            mrn=f"{mrn_prefix}{number}",
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date(1980, 1, 2) if born_1980 else date(1990, 5, 6),
            sex="female",
        )
        patient.refresh_search_fields()
        rows.append(patient)
    return Patient.objects.bulk_create(rows)


def word_matches(patient: Patient, word: str) -> bool:
    """The documented rule, written independently of the query: a prefix of either name or
    the MRN; from three characters also inside either name; a date is the date of birth."""
    if word == "1980-01-02":
        return patient.date_of_birth == date(1980, 1, 2)
    names = (patient.family_name.lower(), patient.given_name.lower())
    if len(word) >= 3:
        return any(word in name for name in names) or patient.mrn.lower().startswith(word)
    return any(name.startswith(word) for name in names) or patient.mrn.lower().startswith(word)


def walk(clinic, query: str, limit: int) -> list[Patient]:
    pages, cursor = [], ""
    for _ in range(Patient.objects.count() + 2):  # a cursor that repeats a page fails
        page = search_page(clinic, query, cursor=cursor, limit=limit)
        pages.extend(page.patients)
        if page.next_cursor is None:
            return pages
        assert len(page.patients) == limit
        cursor = page.next_cursor
    raise AssertionError("the pages never end")


class KeysetPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="Search Clinic")
        cls.other_clinic = Clinic.objects.create(name="Other Search Clinic")

    @settings(max_examples=40, deadline=None)
    @given(people=PEOPLE, query=QUERIES, limit=st.integers(min_value=1, max_value=4))
    def test_pages_concatenate_to_the_full_ordering(self, people, query, limit):
        ours = add_patients(self.clinic, people, "A-")
        # The same names in another clinic: they tie with ours, and must never appear.
        add_patients(self.other_clinic, people, "A-")
        pages = walk(self.clinic, query, limit)
        full = list(search_patients(self.clinic, query))
        self.assertEqual([p.pk for p in pages], [p.pk for p in full])
        # Many matches are read in index order instead of sorted: the same pages.
        with mock.patch.object(search, "SORT_AT_MOST", -1):
            self.assertEqual([p.pk for p in walk(self.clinic, query, limit)], [p.pk for p in full])
        # Past a small exact-count limit the count stops early (one way of matching at a
        # time) and is marked estimated: the pages stay the same.
        with override_settings(PATIENT_SEARCH_EXACT_COUNT_LIMIT=2):
            self.assertEqual([p.pk for p in walk(self.clinic, query, limit)], [p.pk for p in full])
            first = search_page(self.clinic, query, limit=limit)
        self.assertEqual(first.count_estimated, len(full) > 2)
        if len(full) > 2:
            self.assertGreater(first.count, 2)
        else:
            self.assertEqual(first.count, len(full))
        self.assertEqual(search_page(self.clinic, query, limit=limit).count, len(full))
        self.assertEqual(len({p.pk for p in pages}), len(pages), "a patient on two pages")
        self.assertTrue(all(p.clinic_id == self.clinic.pk for p in pages))
        words = query.lower().split()
        if words and all(len(w) < 2 for w in words):
            # Too short to search names by: only the patient with exactly that MRN.
            expected = [p for p in ours if p.mrn.lower() == query.lower()]
        else:
            expected = [p for p in ours if all(word_matches(p, w) for w in words)]
        self.assertEqual({p.pk for p in pages}, {p.pk for p in expected})
        # Ties (same family and given name) are broken by id, so the order is total.
        keys = [(p.family_name_search, p.given_name_search, p.pk) for p in pages]
        self.assertEqual(keys, sorted(keys))

    @settings(max_examples=15, deadline=None)
    @given(people=PEOPLE, limit=st.integers(min_value=0, max_value=6))
    def test_the_count_is_exact_up_to_the_limit_then_marked_estimated(self, people, limit):
        add_patients(self.clinic, people, "C-")
        total = len(people)
        with override_settings(PATIENT_SEARCH_EXACT_COUNT_LIMIT=limit):
            count, estimated = count_matches(matching_patients(self.clinic, ""))
        self.assertEqual(estimated, total > limit)
        if estimated:
            self.assertGreater(count, limit)
        else:
            self.assertEqual(count, total)
