"""De-identification, pure: shifted dates keep intervals, ages over 89 are top-coded, only
allowlisted columns leave, and k-anonymity holds after generalisation and suppression."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.research import deid
from ketamine_care.research.deid import (
    NotExportable,
    age_band,
    check_exportable,
    k_anonymise,
    month_to_quarter,
    shift_date,
    to_year,
    top_code_age,
)


@pytest.mark.parametrize(
    ("value", "offset", "expected"),
    [
        (date(2026, 3, 1), -1, date(2026, 2, 28)),
        (date(2024, 2, 28), 1, date(2024, 2, 29)),  # leap day
        (date(2026, 12, 31), 1, date(2027, 1, 1)),
        (date(2026, 1, 10), -365, date(2025, 1, 10)),
        (datetime(2026, 3, 1, 9, 30), 2, datetime(2026, 3, 3, 9, 30)),
        (None, 40, None),
    ],
)
def test_shift_date_moves_by_whole_days(value, offset, expected):
    assert shift_date(value, offset) == expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [(0, "0"), (18, "18"), (89, "89"), (90, "90+"), (91, "90+"), (104, "90+")],
)
def test_ages_over_89_are_top_coded(age, expected):
    assert top_code_age(age) == expected


@pytest.mark.parametrize(
    ("age", "width", "expected"),
    [
        (18, 5, "15-19"),
        (34, 5, "30-34"),
        (35, 5, "35-39"),
        (34, 10, "30-39"),
        (85, 5, "85-89"),
        (89, 10, "80-89"),
        (89, 20, "80-89"),  # never reaches past 89
        (90, 5, "90+"),
        (101, 20, "90+"),
    ],
)
def test_age_bands(age, width, expected):
    assert age_band(age, width) == expected


def test_a_negative_age_is_refused():
    with pytest.raises(ValueError):
        top_code_age(-1)
    with pytest.raises(ValueError):
        age_band(-1)


@pytest.mark.parametrize(
    ("value", "quarter", "year"),
    [
        ("2026-01", "2026-Q1", "2026"),
        ("2026-03", "2026-Q1", "2026"),
        ("2026-04", "2026-Q2", "2026"),
        ("2026-12", "2026-Q4", "2026"),
        (None, None, None),
        ("unknown", "unknown", "unknown"),
    ],
)
def test_start_month_generalises_to_quarter_then_year(value, quarter, year):
    assert month_to_quarter(value) == quarter
    assert to_year(month_to_quarter(value)) == year


def test_only_allowlisted_columns_may_be_exported():
    check_exportable(["research_id", "age_band", "sex", "protocol", "start_month"])
    for column in ("family_name", "mrn", "phone", "email", "date_of_birth", "note", "x"):
        with pytest.raises(NotExportable, match=column):
            check_exportable(["research_id", column])


def test_no_identifier_is_on_the_allowlist():
    assert not deid.IDENTIFIER_COLUMNS & deid.EXPORTABLE_COLUMNS


def test_the_doses_infusion_and_weight_basis_columns_may_be_exported():
    check_exportable(["research_id", "infusion_minutes", "weight_basis", "weight_used_kg"])


# A column name for each kind of identifier the Safe Harbor method removes that a table
# could carry [@hipaa-safe-harbor §164.514(b)(2)(i)], beside those deid names itself.
SAFE_HARBOR_NAMES = ("zip_code", "city", "ssn", "fax", "health_plan_number", "account_number",
                     "licence_number", "device_serial", "url", "ip_address", "photo",
                     "date_of_death")  # fmt: skip


@pytest.mark.parametrize("column", sorted(deid.IDENTIFIER_COLUMNS) + list(SAFE_HARBOR_NAMES))
def test_safe_harbor_identifiers_stay_refused(column):
    with pytest.raises(NotExportable, match=column):
        check_exportable(["research_id", column])


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(min_value=-365, max_value=365).filter(bool),
)
def test_shifting_keeps_the_interval_between_two_dates_of_a_patient(first, second, offset):
    assert shift_date(second, offset) - shift_date(first, offset) == second - first
    assert shift_date(first, offset) != first


@given(st.integers(min_value=0, max_value=130))
def test_top_coding_never_shows_an_age_over_89(age):
    coded = top_code_age(age)
    assert coded == "90+" if age >= 90 else int(coded) == age
    assert age_band(age) == "90+" or int(age_band(age).split("-")[1]) <= 89


QI = ("age_band", "sex", "protocol", "start_month")
_rows = st.lists(
    st.fixed_dictionaries(
        {
            "age_band": st.integers(min_value=18, max_value=99).map(age_band),
            "sex": st.sampled_from(["female", "male", "other"]),
            "protocol": st.sampled_from(["iv-ketamine-trd", "esketamine-trd"]),
            "start_month": st.builds(
                lambda y, m: f"{y}-{m:02d}", st.integers(2024, 2026), st.integers(1, 12)
            ),
            "score": st.integers(min_value=0, max_value=27),
        }
    ),
    max_size=120,
)


@given(_rows, st.integers(min_value=1, max_value=8))
def test_every_class_of_the_output_has_at_least_k_rows(rows, k):
    kept, report = k_anonymise(rows, QI, k)
    sizes = Counter(tuple(row[c] for c in QI) for row in kept)
    assert all(n >= k for n in sizes.values())
    assert report.rows_in == len(rows) == report.rows_out + report.suppressed
    assert report.rows_out == len(kept)
    assert report.classes == len(sizes)
    assert report.smallest_class == (min(sizes.values()) if sizes else None)
    # Generalisation and suppression change the quasi-identifiers, never the measures.
    assert Counter(r["score"] for r in kept) <= Counter(r["score"] for r in rows)


def _cohort(spec: list[tuple[str, str, str, str, int]]) -> list[dict]:
    return [
        {"age_band": a, "sex": s, "protocol": p, "start_month": m, "score": 10}
        for a, s, p, m, n in spec
        for _ in range(n)
    ]


def test_a_crafted_cohort_is_generalised_then_suppressed():
    rows = _cohort(
        [
            # 6 women aged 30-34, 3 starting in January and 3 in February: a quarter joins them
            ("30-34", "female", "iv", "2026-01", 3),
            ("30-34", "female", "iv", "2026-02", 3),
            # 5 men in March, 2 aged 40-44 and 3 aged 45-49: a 10-year band joins them
            ("40-44", "male", "iv", "2026-03", 2),
            ("45-49", "male", "iv", "2026-03", 3),
            # one patient over 89, alone whatever is widened: suppressed
            ("90+", "female", "esketamine", "2026-05", 1),
        ]
    )
    kept, report = k_anonymise(rows, QI, k=5)
    assert report.generalised == ("start month to quarter", "age bands of 10 years")
    assert (report.rows_in, report.rows_out, report.suppressed) == (12, 11, 1)
    assert Counter((r["age_band"], r["sex"], r["start_month"]) for r in kept) == {
        ("30-39", "female", "2026-Q1"): 6,
        ("40-49", "male", "2026-Q1"): 5,
    }
    assert (report.classes, report.smallest_class) == (2, 5)


def test_a_cohort_already_k_anonymous_is_left_unchanged():
    rows = _cohort([("30-34", "female", "iv", "2026-01", 5), ("50-54", "male", "iv", "2026-07", 7)])
    kept, report = k_anonymise(rows, QI, k=5)
    assert kept == rows
    assert report.generalised == ()
    assert report.suppressed == 0
    assert report.smallest_class == 5


def test_a_cohort_smaller_than_k_is_suppressed_whole():
    rows = _cohort([("30-34", "female", "iv", "2026-01", 4)])
    kept, report = k_anonymise(rows, QI, k=5)
    assert kept == []
    assert report.suppressed == 4
    assert report.smallest_class is None
    assert report.as_dict()["rows_in"] == 4


def test_the_input_rows_are_not_changed():
    rows = _cohort(
        [("30-34", "female", "iv", "2026-01", 3), ("35-39", "female", "iv", "2026-02", 3)]
    )
    before = [dict(r) for r in rows]
    k_anonymise(rows, QI, k=5)
    assert rows == before


def test_k_below_one_is_refused():
    with pytest.raises(ValueError):
        k_anonymise([], QI, k=0)
