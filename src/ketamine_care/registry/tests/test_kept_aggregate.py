"""`outcome_counts` through the statement kept per cohort shape gives exactly what the ORM's
query gives (generated summaries and cohorts, two clinics), in one query per call; a shape
whose values could go elsewhere than the ORM put them is never kept."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketamine_care.core.compiled import compiled_statements
from ketamine_care.registry import aggregates
from ketamine_care.registry.cohorts import CohortFilter, filter_summaries
from ketamine_care.registry.kept_aggregate import Kept
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.tests.builders import copy_plans
from ketamine_care.registry.tests.test_aggregates import PROTOCOLS
from ketamine_care.registry.tests.test_cube import COHORT, INDICATIONS, ROW, CubeCase, plain_row
from ketamine_care.testing.builders import make_patient


def orm_counts(rows) -> dict:
    """`outcome_counts` with the ORM's own query, every time (no kept statement)."""
    result = aggregates._outcome_aggregate(rows)
    counts = {name.removeprefix("agg_").removesuffix("_c"): value for name, value in result.items()}
    counts = {name: value or 0 for name, value in counts.items() if name != "refreshed_at"}
    counts["refreshed_at"] = result["agg_refreshed_at"]
    return counts


def sibling(cohort: CohortFilter) -> CohortFilter:
    """A cohort of the same shape (the same filters set) with other values."""
    swap = {p: q for p, q in zip(PROTOCOLS, reversed(PROTOCOLS), strict=True)}
    swap |= {i: j for i, j in zip(INDICATIONS, reversed(INDICATIONS), strict=True)}
    swap |= {"female": "male", "male": "female", "": ""}
    day = timedelta(days=1)
    return dataclasses.replace(
        cohort,
        protocol=swap[cohort.protocol],
        indication=swap[cohort.indication],
        sex=swap[cohort.sex],
        start_from=cohort.start_from and cohort.start_from - day,
        start_to=cohort.start_to and cohort.start_to + day,
    )


def typed(counts: dict) -> dict:
    return {name: (type(value), value) for name, value in counts.items()}


class KeptAggregateTests(CubeCase):
    def kept(self) -> dict:
        return compiled_statements(DEFAULT_DB_ALIAS).setdefault("aggregates", {})

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ROW, min_size=0, max_size=30), st.lists(COHORT, min_size=1, max_size=6))
    def test_the_kept_statement_gives_what_the_orm_gives(self, rows, cohorts):
        self.load(rows)
        for cohort in (CohortFilter(), *cohorts):
            # The shape is kept from another cohort of it (other values, other clinic).
            self.kept().clear()
            aggregates.outcome_counts(filter_summaries(self.other_clinic, sibling(cohort)))
            summaries = filter_summaries(self.clinic, cohort)
            expected = typed(orm_counts(summaries))
            self.assertEqual(typed(aggregates.outcome_counts(summaries)), expected, cohort)
            self.assertTrue(all(isinstance(s, Kept) for s in self.kept().values()))

    def test_a_shape_kept_for_one_clinic_counts_the_other_clinics_courses(self):
        self.load([plain_row(i, patient=i % 4) for i in range(8)])
        elsewhere = self.other_clinic
        people = [self.other_patient] + [
            make_patient(clinic=elsewhere, actor=self.outsider, mrn=f"KEPT-{i}") for i in range(2)
        ]
        rows = [plain_row(100 + i, patient=0) for i in range(3)]
        skip = ("patient", "induction_end", "start", "age_of_row", "dose_bins")
        CourseSummary.objects.bulk_create(
            CourseSummary(
                clinic=elsewhere,
                patient=people[i],
                plan=plan,
                sex="male",
                start_date=self.base.start_date,
                refreshed_at=self.base.created_at,
                **{k: v for k, v in r.items() if k not in skip},
            )  # fmt: skip
            for i, (r, plan) in enumerate(zip(rows, self.other_plans(rows), strict=True))
        )
        here = aggregates.outcome_counts(filter_summaries(self.clinic, CohortFilter()))
        there = aggregates.outcome_counts(filter_summaries(elsewhere, CohortFilter()))
        self.assertEqual((here["courses"], here["courses_p"]), (8, 4))
        sessions = sum(r["sessions"] for r in rows)
        self.assertEqual(
            (there["courses"], there["courses_p"], there["sessions"]), (3, 3, sessions)
        )
        self.assertEqual(there, orm_counts(filter_summaries(elsewhere, CohortFilter())))

    def other_plans(self, rows: list[dict]) -> list:
        return copy_plans(self.base, [self.other_patient], rows)

    def test_a_kept_shape_costs_one_query_and_an_empty_cohort_none(self):
        self.load([plain_row(i) for i in range(5)])
        cohort = CohortFilter(protocol="iv-ketamine-trd", sex="female")
        aggregates.outcome_counts(filter_summaries(self.clinic, cohort))
        with self.assertNumQueries(1):
            aggregates.outcome_counts(filter_summaries(self.other_clinic, cohort))
        with self.assertNumQueries(0):
            counts = aggregates.outcome_counts(CourseSummary.objects.none())
        self.assertEqual(counts, orm_counts(CourseSummary.objects.none()))

    def test_a_shape_whose_values_could_go_elsewhere_is_never_kept(self):
        self.load([plain_row(i) for i in range(6)])
        self.kept().clear()
        # 0 is also the outer query's "at least one course" bound: ambiguous, never kept.
        ambiguous = CourseSummary.objects.filter(sessions__gt=0)
        # A parameter outside the WHERE clause (a selected value): not even looked at.
        selected = filter_summaries(self.clinic, CohortFilter()).annotate(seven=Value(7))
        for rows in (ambiguous, ambiguous, selected, selected):
            self.assertEqual(typed(aggregates.outcome_counts(rows)), typed(orm_counts(rows)))
        self.assertEqual(list(self.kept().values()), ["orm"])
