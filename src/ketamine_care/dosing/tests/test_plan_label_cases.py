"""`ketamine-care plan --json` against the labels and the protocols' sources: the visits,
their phase and planned dose, week by week, and the reviews. All plans start on Monday
5 January 2026 with the default clinic days (Monday to Friday) and a 12-week horizon.
The esketamine start under each label (`--jurisdiction`, `--age-years`) is in
`test_plan_jurisdiction_cases.py`.
"""

from __future__ import annotations

import json

import pytest

from ketamine_care.dosing.cli import plan_main


def plan(capsys, protocol: str, *options: str) -> dict:
    argv = ["--protocol", protocol, "--start", "2026-01-05", "--horizon-weeks", "12", "--json"]
    assert plan_main([*argv, *options]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["protocol", "visits", "reviews", "warnings"]
    return data


def visits(data: dict) -> list[tuple]:
    """(date, phase, dose mg, mg/kg, dose options, devices, conditional) of each visit."""
    rows = []
    for number, visit in enumerate(data["visits"], start=1):
        assert visit["number"] == number
        dose = visit["dose"]
        rows.append(
            (
                visit["date"],
                visit["phase"],
                dose["dose_mg"],
                dose["dose_mg_per_kg"],
                dose["options"],
                dose["devices"],
                visit["conditional"],
            )
        )
    return rows


def reviews(data: dict) -> list[tuple]:
    return [(r["after_visit"], r["date"]) for r in data["reviews"]]


ANY = [56.0, 84.0]
WEEKLY = ["2026-02-05", "2026-02-12", "2026-02-19", "2026-02-26"]
TWICE_WEEKLY = [f"2026-01-{d:02d}" for d in (5, 8, 12, 15, 19, 22, 26, 29)]


def test_esketamine_trd_follows_the_label_table_week_by_week(capsys):
    """Weeks 1-4 twice weekly, day 1 56 mg then 56 or 84 mg; weeks 5-8 once weekly; from
    week 9 every 2 weeks (or weekly) at the lowest frequency that keeps the response;
    benefit evaluated at the end of induction [@spravato-uspi §2]."""
    data = plan(capsys, "esketamine-trd-label")
    first = [("2026-01-05", "induction", 56.0, None, ANY, 2, False)]
    induction = [(d, "induction", None, None, ANY, None, False) for d in TWICE_WEEKLY[1:]]
    weekly = [(d, "maintenance", None, None, ANY, None, False) for d in WEEKLY]
    fortnightly = [
        (d, "maintenance", None, None, ANY, None, True) for d in ("2026-03-12", "2026-03-26")
    ]
    assert visits(data) == first + induction + weekly + fortnightly
    assert data["visits"][-1]["condition"] == (
        "Use the lowest frequency that maintains response/remission."
    )
    assert (reviews(data), data["warnings"]) == ([(8, "2026-01-29")], [])


def test_esketamine_mdsi_is_84_mg_twice_weekly_for_4_weeks(capsys):
    """84 mg twice weekly for 4 weeks, may be reduced to 56 mg for tolerability: every visit
    plans 84 mg with 56 or 84 to choose from; evaluated at 4 weeks, beyond that not studied
    [@spravato-uspi §2]."""
    data = plan(capsys, "esketamine-mdsi-label")
    assert visits(data) == [(d, "induction", 84.0, None, ANY, 3, False) for d in TWICE_WEEKLY]
    assert (reviews(data), data["warnings"]) == ([(8, "2026-01-29")], [])


@pytest.mark.parametrize(
    ("protocol", "dates", "per_kg", "expected_reviews"),
    [
        # 6 infusions, 3 a week over 2 weeks [@feder-2021]; follow-up a week later.
        (
            "iv-ketamine-ptsd",
            ["2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16"],
            0.5,
            [(6, "2026-01-16"), (6, "2026-01-23")],
        ),
        # 3 infusions of 0.8 mg/kg 1-3 weeks apart, planned weekly; 6-month outcome
        # [@grabski-2022].
        (
            "iv-ketamine-aud",
            ["2026-01-05", "2026-01-12", "2026-01-19"],
            0.8,
            [(3, "2026-01-19"), (3, "2026-07-18")],
        ),
        # One infusion; YMRS after it and response at day 2 [@diazgranados-2010].
        (
            "iv-ketamine-bipolar-depression",
            ["2026-01-05"],
            0.5,
            [(1, "2026-01-05"), (1, "2026-01-07")],
        ),
    ],
)
def test_an_iv_series_as_its_trial_gave_it(capsys, protocol, dates, per_kg, expected_reviews):
    data = plan(capsys, protocol)
    assert visits(data) == [(d, "induction", None, per_kg, [], None, False) for d in dates]
    assert (reviews(data), data["warnings"]) == (expected_reviews, [])


def test_iv_trd_series_then_conditional_maintenance(capsys):
    """6 infusions twice weekly [@anand-2023] [@singh-2016]; 4 weekly infusions for
    responders [@phillips-2019]; monthly boosters case by case (INSTITUTIONAL)
    [@ketamine-care-defaults] [@swainson-2021]; reviews after infusion 1 [@murrough-2013-bp]
    and 3 [@phillips-2019], at the end of the series and a week later."""
    data = plan(capsys, "iv-ketamine-trd")
    series = [(d, "induction", None, 0.5, [], None, False) for d in TWICE_WEEKLY[:6]]
    weekly = [(d, "maintenance", None, 0.5, [], None, True) for d in ["2026-01-29", *WEEKLY[:3]]]
    booster = [("2026-03-19", "maintenance", None, 0.5, [], None, True)]
    assert visits(data) == series + weekly + booster
    assert reviews(data) == [
        (1, "2026-01-05"),
        (3, "2026-01-12"),
        (6, "2026-01-22"),
        (6, "2026-01-29"),
    ]
