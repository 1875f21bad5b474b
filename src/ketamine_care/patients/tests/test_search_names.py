"""Words found inside names are looked up among the clinic's distinct names (`SearchName`,
kept by PostgreSQL triggers) on PostgreSQL: the same matches, counts and pages as the LIKE
query on the patients themselves, whatever was written since (bulk inserts, renames by save
or by a bulk update, records entered in error, another clinic's patients)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Clinic
from ketamine_care.patients import search
from ketamine_care.patients.models import Patient, RecordStatus, SearchName
from ketamine_care.patients.tests.test_search_pages import NAMES, PEOPLE, add_patients, word_matches

pytestmark = pytest.mark.only_on("postgresql")

WORDS = st.text(alphabet="abrm", min_size=3, max_size=4)
QUERIES = st.one_of(
    WORDS, st.tuples(WORDS, st.text(alphabet="abrm", min_size=1, max_size=4)).map(" ".join)
)
# What happens to a patient after registration: nothing, a new family or given name (saved
# one at a time, or in one UPDATE of many rows), or a record entered in error.
CHANGES = st.lists(
    st.tuples(st.sampled_from(["keep", "save", "update", "error"]), NAMES, NAMES),
    max_size=14,
)


def counted(clinic, query: str, *, by_name: bool):
    """`search_page`'s bounded count, with or without the names (count, estimated, ids)."""
    matches = search.matching_patients(clinic, query)
    branches = search._branches(clinic, query, matches.db, by_name=by_name)
    return search._bounded_count(matches, branches)


def apply(patients, changes) -> None:
    for patient, (change, family, given_name) in zip(patients, changes, strict=False):
        if change == "save":
            patient.family_name, patient.given_name = family, given_name
            patient.refresh_search_fields()
            patient.save()
        elif change == "update":
            Patient.objects.filter(pk=patient.pk).update(
                family_name=family, family_name_search=family.lower(),
                given_name=given_name, given_name_search=given_name.lower(),
            )  # fmt: skip
        elif change == "error":
            Patient.objects.filter(pk=patient.pk).update(
                status=RecordStatus.ENTERED_IN_ERROR, entered_in_error_reason="Duplicate"
            )


class SearchNamesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="Names Clinic")
        cls.other_clinic = Clinic.objects.create(name="Other Names Clinic")

    @settings(max_examples=40, deadline=None)
    @given(people=PEOPLE, changes=CHANGES, query=QUERIES, limit=st.integers(0, 6))
    def test_the_names_count_what_the_patients_count(self, people, changes, query, limit):
        apply(add_patients(self.clinic, people, "N-"), changes)
        add_patients(self.other_clinic, people, "N-")
        with override_settings(PATIENT_SEARCH_EXACT_COUNT_LIMIT=limit):
            by_name = counted(self.clinic, query, by_name=True)
            by_pattern = counted(self.clinic, query, by_name=False)
        # The same ways of matching, in the same order, giving the same rows: the same
        # count, the same point where it stops, the same ids.
        self.assertEqual(by_name, by_pattern)
        if not by_name[1]:
            words = query.split()
            expected = {
                p.pk
                for p in Patient.objects.active().filter(clinic=self.clinic)
                if all(word_matches(p, w) for w in words)
            }
            self.assertEqual(by_name[0], len(expected))
            if by_name[2] is not None:
                self.assertEqual(by_name[2], expected)

    @settings(max_examples=25, deadline=None)
    @given(people=PEOPLE, changes=CHANGES)
    def test_every_name_of_every_patient_is_a_search_name(self, people, changes):
        apply(add_patients(self.clinic, people, "M-"), changes)
        add_patients(self.other_clinic, people, "M-")
        names = set(SearchName.objects.values_list("clinic_id", "part", "name"))
        for clinic_id, family, given_name in Patient.objects.values_list(
            "clinic_id", "family_name_search", "given_name_search"
        ):
            self.assertIn((clinic_id, "family", family), names)
            self.assertIn((clinic_id, "given", given_name), names)

    def test_a_renamed_patient_is_found_by_the_new_name_only(self):
        [patient] = add_patients(self.clinic, [("Omar", "Kalomar", False)], "R-")
        self.assertEqual(search.search_page(self.clinic, "lomar").count, 1)
        patient.family_name = "Belquin"
        patient.refresh_search_fields()
        patient.save()
        page = search.search_page(self.clinic, "lomar")
        self.assertEqual((page.count, page.patients), (0, []))
        self.assertEqual(search.search_page(self.clinic, "elqui").patients, [patient])
        # The old name stays among the names (a superset) and finds no one.
        self.assertTrue(SearchName.objects.filter(clinic=self.clinic, name="kalomar").exists())

    def test_words_inside_names_are_looked_up_among_the_names(self):
        add_patients(self.clinic, [("Omar", "Kalomar", False), ("Sofia", "Omarsson", False)], "E-")
        count, estimated, ids = counted(self.clinic, "omar", by_name=True)
        self.assertEqual((count, estimated, len(ids)), (2, False, 2))
        matches = search.matching_patients(self.clinic, "omar")
        family, given_name, mrn = search._branches(self.clinic, "omar", matches.db, by_name=True)
        for branch in (family, given_name):
            sql = str(branch.query)
            self.assertIn("patients_searchname", sql)
            self.assertNotIn('_name_search" LIKE', sql)
        self.assertIn('"mrn_search"::text LIKE', str(mrn.query))
