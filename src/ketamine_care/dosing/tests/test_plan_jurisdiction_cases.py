"""`ketamine-care plan --jurisdiction --age-years` against the labels: the US label starts
esketamine at 56 mg at every age [@spravato-uspi §2]; the EU SmPC starts patients 65 and older
at 28 mg [@spravato-eu-smpc §4.2]. The start is chosen as the app plans a patient's course in a
clinic that follows that label; without the options the plan is the US one. Plans as in
`test_plan_label_cases.py`: Monday 5 January 2026, Monday to Friday, 12 weeks.
"""

from __future__ import annotations

import json

import pytest

from ketamine_care.dosing.cli import plan_main

from .test_plan_label_cases import TWICE_WEEKLY, plan, visits

TRD = "esketamine-trd-label"
EU_START = "EU label: the first dose is 28 mg (patients 65 and older); later doses as planned"


def planned(capsys, protocol: str, *options: str) -> tuple[dict, str]:
    """(the --json plan, stderr) of a plan that exits 0."""
    argv = ["--protocol", protocol, "--start", "2026-01-05", "--horizon-weeks", "12", "--json"]
    assert plan_main([*argv, *options]) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


@pytest.mark.parametrize(
    "options",
    [
        ["--jurisdiction", "US"],
        ["--jurisdiction", "US", "--age-years", "18"],
        ["--jurisdiction", "US", "--age-years", "65"],
        ["--jurisdiction", "US", "--age-years", "92.5"],
        ["--age-years", "80"],  # the default label is the US one
        ["--jurisdiction", "EU", "--age-years", "64"],
        ["--jurisdiction", "EU", "--age-years", "64.9"],
    ],
)
def test_trd_day_1_is_56_mg_under_the_us_label_at_any_age_and_in_the_eu_below_65(capsys, options):
    data, err = planned(capsys, TRD, *options)
    assert visits(data)[0] == (TWICE_WEEKLY[0], "induction", 56.0, None, [56.0, 84.0], 2, False)
    assert (data, err) == (plan(capsys, TRD), "")  # the plan without the options


@pytest.mark.parametrize("age", ["65", "71.5", "90"])
def test_trd_in_the_eu_from_65_starts_at_28_mg_with_the_warning(capsys, age):
    """Day 1 28 mg, then 28, 56 or 84 mg in induction and maintenance; the visits and
    reviews fall as under the US label."""
    data, err = planned(capsys, TRD, "--jurisdiction", "EU", "--age-years", age)
    assert err == f"warning: {EU_START}\n"
    us = plan(capsys, TRD)
    assert visits(data)[0] == (TWICE_WEEKLY[0], "induction", 28.0, None, [], 1, False)
    eu_later = [(*row[:4], [28.0, 56.0, 84.0], *row[5:]) for row in visits(us)[1:]]
    assert visits(data)[1:] == eu_later
    assert (data["reviews"], data["warnings"]) == (us["reviews"], [EU_START])


def test_the_eu_start_reads_in_the_text_plan(capsys):
    argv = ["--protocol", TRD, "--start", "2026-01-05", "--jurisdiction", "EU"]
    assert plan_main([*argv, "--age-years", "65"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "    1  Mon 2026-01-05  induction    28 mg"
    assert lines[-1] == f"Warning: {EU_START}"


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_trd_in_the_eu_without_an_age_is_refused_naming_age_years(capsys, json_flag):
    """Fail safe: the EU start depends on age, so no age plans nothing (not the adult start)."""
    argv = ["--protocol", TRD, "--start", "2026-01-05", "--jurisdiction", "EU", *json_flag]
    assert plan_main(argv) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (
        "error: --age-years: is required under the EU label: the start dose differs from age 65\n"
    )


@pytest.mark.parametrize("age", ["-1", "131", "nan"])
def test_an_impossible_age_is_refused_naming_age_years(capsys, age):
    argv = ["--protocol", TRD, "--start", "2026-01-05", "--jurisdiction", "EU"]
    assert plan_main([*argv, "--age-years", age]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.startswith("error: --age-years: must be between 0 and 130")


def test_an_unknown_jurisdiction_is_an_input_error(capsys):
    with pytest.raises(SystemExit) as info:
        plan_main(["--protocol", TRD, "--start", "2026-01-05", "--jurisdiction", "UK"])
    assert info.value.code == 2
    assert "--jurisdiction: invalid choice: 'UK'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "protocol", ["esketamine-mdsi-label", "iv-ketamine-trd", "iv-ketamine-bipolar-depression"]
)
def test_a_protocol_without_a_label_start_plans_the_same_under_either_label(capsys, protocol):
    """Only a rule with an age-dependent start asks for the age (the app asks the same)."""
    assert planned(capsys, protocol, "--jurisdiction", "EU") == planned(capsys, protocol)
