"""`dose` and `plan` text name each cited source as a reader knows it ("Keeler 2021"); the
`--json` contracts keep the raw citation (`[@keeler-2021]`) for the programs that read them."""

from __future__ import annotations

import json

import pytest

from ketamine_care.dosing.cli import dose_main, plan_main
from ketamine_care.protocols.library import list_protocol_ids

NO_DOSE = ["--protocol", "eating-disorders-research", "--weight-kg", "70"]
CAPPED = ["--protocol", "ed-severe-agitation", "--weight-kg", "250", "--weight-basis", "actual"]


def _out(main, argv, capsys) -> str:
    main(argv)
    return capsys.readouterr().out


def test_a_block_reason_names_its_sources_in_the_text(capsys):
    text = _out(dose_main, NO_DOSE, capsys)
    assert "evidence Keeler 2021 Ragnhildstveit 2022;" in text and "[@" not in text
    reasons = json.loads(_out(dose_main, [*NO_DOSE, "--json"], capsys))["block_reasons"]
    assert "[@keeler-2021] [@ragnhildstveit-2022]" in reasons[0]


def test_a_warning_names_its_source_in_the_text(capsys):
    text = _out(dose_main, CAPPED, capsys)
    assert "500 mg West J Emerg Med 2020 ED ketamine protocol)" in text and "[@" not in text
    warnings = json.loads(_out(dose_main, [*CAPPED, "--json"], capsys))["warnings"]
    assert "capped at 500 mg (Maximum single dose 500 mg [@wjem-2020-ed-ketamine])" in warnings[-1]


@pytest.mark.parametrize("protocol", list_protocol_ids())
@pytest.mark.parametrize(
    "choice", [["--weight-kg", "250"], ["--weight-kg", "70", "--mg-per-kg", "2"]]
)
def test_no_dose_text_shows_a_raw_citation(protocol, choice, capsys):
    assert "[@" not in _out(dose_main, ["--protocol", protocol, *choice], capsys)


@pytest.mark.parametrize("protocol", list_protocol_ids())
def test_no_plan_text_shows_a_raw_citation(protocol, capsys):
    argv = ["--protocol", protocol, "--start", "2026-01-05", "--maintenance-every", "4w"]
    assert "[@" not in _out(plan_main, argv, capsys)
