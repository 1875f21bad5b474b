"""`ketamine-care score`: JSON contract, human output and exit statuses."""

from __future__ import annotations

import json

import pytest

from ketamine_care.instruments.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_phq9_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "phq9", "1", "2", "3", "0", "1", "2", "0", "1", "1", "--json")
    assert status == 0
    assert json.loads(out) == {
        "instrument": "phq9", "version": "1.0.2", "total": 11, "band": "moderate",
        "subscales": {}, "flags": ["suicidality"], "risk": None,
    }  # fmt: skip
    assert list(json.loads(out)) == [
        "instrument", "version", "total", "band", "subscales", "flags", "risk",
    ]  # fmt: skip
    assert out.startswith('{\n  "instrument": "phq9"')


def test_cssrs_json_has_risk_and_no_total(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "cssrs_screener", "1", "1", "1", "0", "0", "1", "0", "--json")
    assert status == 0
    data = json.loads(out)
    assert (data["total"], data["band"], data["risk"]) == (None, None, "moderate")


def test_ybocs_json_subscales(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "ybocs", *"3 3 3 3 3 2 2 2 2 2".split(), "--json")
    data = json.loads(out)
    assert (data["total"], data["band"]) == (25, "severe")
    assert data["subscales"] == {"obsessions": 15, "compulsions": 10}


def test_human_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "gad7", "3", "3", "3", "3", "3", "0", "0")
    assert status == 0 and "total: 15" in out and "band: severe" in out


def test_wrong_count_exits_2_naming_the_item(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "phq9", "1", "2", "--json")
    assert status == 2 and out == ""
    assert "phq9_3" in err and "one of 0, 1, 2, 3" in err


def test_out_of_range_exits_2_naming_the_item(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "audit", *"0 0 0 0 0 0 0 0 0 3".split())
    assert status == 2
    assert "item 10 (audit_10" in err and "one of 0, 2, 4" in err


def test_negative_value_is_reported_not_taken_for_an_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = _run(capsys, "moaas", "-1")
    assert status == 2 and "moaas_level" in err


def test_unknown_code_exits_2_listing_codes(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "hamd21", "1")
    assert status == 2 and "hamd17" in err and "cssrs_screener" in err


def test_missing_code_is_an_argparse_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys)
    assert status == 2 and "usage: ketamine-care score" in err


def test_json_flag_may_come_anywhere(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "--json", "gad7", "0", "0", "--json", "0", "0", "0", "0", "0")
    assert status == 0 and json.loads(out)["band"] == "minimal"
