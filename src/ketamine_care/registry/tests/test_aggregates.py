"""The SQL aggregates equal a plain Python recomputation over the same rows, on generated
cohorts (hypothesis), and suppress small cells."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.patients import services as patients
from ketamine_care.registry import aggregates as sql
from ketamine_care.registry.cohorts import CohortFilter, filter_summaries
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.tests.builders import copy_plans
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd, treatable_plan

PROTOCOLS = ("iv-ketamine-trd", "esketamine-trd-label")
TRI = st.sampled_from([None, True, False])
OUTCOME_COLUMNS = [
    f"{m}_{k}" for k in ("induction", "3m", "6m", "12m") for m in ("response", "remission")
] + ["early_4h", "early_24h", "early_day7"]

ROW = st.fixed_dictionaries(
    {
        "patient": st.integers(0, 6),
        "protocol_id": st.sampled_from(PROTOCOLS),
        "followup_days": st.one_of(st.none(), st.integers(0, 500)),
        "induction_end": st.booleans(),
        "analysable": st.booleans(),
        "stale": st.booleans(),
        "sessions": st.integers(0, 30),
        "adverse_events": st.integers(0, 3),
        "bp_alerts": st.integers(0, 3),
        "cadss_peak": st.one_of(st.none(), st.integers(0, 92)),
        "expected_measures": st.integers(0, 40),
        "received_measures": st.integers(0, 40),
        "first_response_day": st.one_of(st.none(), st.integers(0, 200)),
        "observed_days": st.one_of(st.none(), st.integers(0, 300)),
        "relapse_event": TRI,
        "relapse_days": st.integers(0, 300),
        **{column: TRI for column in OUTCOME_COLUMNS},
    }
)


def expected_counts(rows: list[dict]) -> dict:
    """`outcome_counts` recomputed in Python (courses, and distinct patients)."""
    out: dict = {}

    def pair(name, keep):
        chosen = [r for r in rows if keep(r)]
        out[name] = len(chosen)
        out[f"{name}_p"] = len({r["patient"] for r in chosen})

    pair("courses", lambda r: True)
    pair("analysable", lambda r: r["analysable"])
    pair("stale", lambda r: r["stale"])
    out["sessions"] = sum(r["sessions"] for r in rows)
    reached = {"induction": lambda r: r["induction_end"]}
    for key, day in (("3m", 91), ("6m", 182), ("12m", 365)):
        reached[key] = lambda r, day=day: (
            r["followup_days"] is not None and r["followup_days"] >= day
        )
    for key, got_there in reached.items():
        pair(f"{key}_all", got_there)
        for measure in ("response", "remission"):
            c = f"{measure}_{key}"

            def known(r, c=c, got_there=got_there):
                return got_there(r) and r["analysable"] and r[c] is not None

            pair(f"{c}_n", known)
            pair(f"{c}_k", lambda r, c=c, known=known: known(r) and r[c] is True)
            pair(f"{c}_no", lambda r, c=c, known=known: known(r) and r[c] is False)
    for key in ("4h", "24h", "day7"):
        c = f"early_{key}"
        pair(f"{c}_n", lambda r, c=c: r[c] is not None)
        pair(f"{c}_k", lambda r, c=c: r[c] is True)
        pair(f"{c}_no", lambda r, c=c: r[c] is False)
    return out


class AggregateTests(HypothesisTestCase, ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        patients.add_diagnosis(
            patient=cls.patient, actor=cls.prescriber, icd10_code="F33.2", label="MDD"
        )
        version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.base = treatable_plan(patient=cls.patient, version=version, prescriber=cls.prescriber)
        cls.people = [cls.patient] + [
            make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn=f"AGG-{i}") for i in range(6)
        ]

    def load(self, rows: list[dict]) -> None:
        base, now = self.base, timezone.now()
        plans = copy_plans(base, self.people, rows)
        summaries = []
        for r, plan in zip(rows, plans, strict=True):
            fields = {k: v for k, v in r.items() if k not in ("patient", "induction_end")}
            summaries.append(
                CourseSummary(
                    clinic=self.clinic,
                    patient=self.people[r["patient"]],
                    plan=plan,
                    indication="treatment_resistant_depression",
                    sex="female",
                    age_at_start=40,
                    start_date=base.start_date,
                    induction_end_date=base.start_date + timedelta(days=17)
                    if r["induction_end"]
                    else None,
                    refreshed_at=now,
                    **fields,
                )
            )
        CourseSummary.objects.bulk_create(summaries)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ROW, min_size=0, max_size=25))
    def test_sql_aggregates_equal_a_python_recomputation(self, rows):
        self.load(rows)
        cohort = filter_summaries(self.clinic, CohortFilter())
        counts = sql.outcome_counts(cohort)
        refreshed = counts.pop("refreshed_at")
        self.assertEqual(counts, expected_counts(rows))
        self.assertEqual(refreshed is None, not rows)
        self.check_lists(cohort, rows)
        one = [r for r in rows if r["protocol_id"] == PROTOCOLS[0]]
        only = filter_summaries(self.clinic, CohortFilter(protocol=PROTOCOLS[0]))
        counts = sql.outcome_counts(only)
        counts.pop("refreshed_at")
        self.assertEqual(counts, expected_counts(one))

    def check_lists(self, cohort, rows):
        times = {(d, e): n for d, e, n in sql.response_times(cohort)}
        expected = Counter(
            (r["first_response_day"] if r["first_response_day"] is not None else r["observed_days"],
             r["first_response_day"] is not None)
            for r in rows if r["observed_days"] is not None
        )  # fmt: skip
        self.assertEqual(times, dict(expected))
        relapse = {(d, e): n for d, e, n in sql.relapse_times(cohort)}
        self.assertEqual(
            relapse,
            dict(
                Counter(
                    (r["relapse_days"], r["relapse_event"])
                    for r in rows
                    if r["relapse_event"] is not None
                )
            ),
        )
        cadss = {row["bin"]: row["courses"] for row in sql.cadss_histogram(cohort)}
        self.assertEqual(
            cadss,
            dict(
                Counter(
                    math.floor(r["cadss_peak"] / 10) for r in rows if r["cadss_peak"] is not None
                )
            ),
        )
        safety = {row["protocol_id"]: row for row in sql.safety_by_protocol(cohort)}
        for protocol in PROTOCOLS:
            mine = [r for r in rows if r["protocol_id"] == protocol]
            if not mine:
                self.assertNotIn(protocol, safety)
                continue
            got = safety[protocol]
            self.assertEqual(got["sessions_held"], sum(r["sessions"] for r in mine))
            self.assertEqual(got["events"], sum(r["adverse_events"] for r in mine))
            self.assertEqual(got["alerts"], sum(r["bp_alerts"] for r in mine))
            self.assertEqual(
                got["event_patients"], len({r["patient"] for r in mine if r["adverse_events"]})
            )
        done = {row["protocol_id"]: row for row in sql.completeness_by_protocol(cohort)}
        for protocol, row in done.items():
            mine = [r for r in rows if r["protocol_id"] == protocol]
            self.assertEqual(row["expected"], sum(r["expected_measures"] for r in mine))
            self.assertEqual(row["received"], sum(r["received_measures"] for r in mine))
            self.assertEqual(row["analysable_n"], sum(1 for r in mine if r["analysable"]))
