"""`ketamine-care screen`: the JSON contract, the human summary and the error exits."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from ketamine_care.screening.cli import main
from ketamine_care.screening.vocabulary import (
    DIAGNOSES,
    HISTORY_ITEMS,
    MEDICATION_CLASSES,
    SUICIDE_RISKS,
)

from .factories import clean_facts


def _write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "facts.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


class ScreenJsonTests:
    def test_it_prints_the_contract_object(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts())
        status, out, err = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path, "--json")
        assert (status, err) == (0, "")
        assert json.loads(out) == {
            "protocol": "iv-ketamine-trd",
            "verdict": "eligible",
            "reasons": [],
        }
        assert out == json.dumps(json.loads(out), indent=2) + "\n"

    @pytest.mark.parametrize(
        ("changes", "verdict"),
        [
            ({"history": ["arteriovenous_malformation"]}, "ineligible"),
            ({"pregnant": True}, "requires_override"),
            ({"age_years": 70}, "eligible_with_cautions"),
            ({"history": None}, "requires_override"),
        ],
    )
    def test_it_exits_0_whatever_the_verdict(self, tmp_path, capsys, changes, verdict) -> None:
        path = _write(tmp_path, clean_facts("esketamine-trd-label", **changes))
        status, out, _ = _run(
            capsys, "--protocol", "esketamine-trd-label", "--facts", path, "--json"
        )
        result = json.loads(out)
        assert (status, result["verdict"]) == (0, verdict)
        assert list(result) == ["protocol", "verdict", "reasons"]
        for reason in result["reasons"]:
            assert list(reason) == ["rule", "severity", "message", "source"]

    def test_it_reports_missing_information_as_a_reason(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts(failed_antidepressant_trials=None))
        _, out, _ = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path, "--json")
        (reason,) = json.loads(out)["reasons"]
        assert reason["severity"] == "missing_information"
        assert "failed_antidepressant_trials" in reason["message"]

    def test_an_unclassified_code_exits_0_with_missing_information(self, tmp_path, capsys):
        path = _write(tmp_path, clean_facts(icd10_codes=["F31.4"]))
        status, out, _ = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path, "--json")
        result = json.loads(out)
        assert (status, result["verdict"]) == (0, "requires_override")
        (reason,) = result["reasons"]
        assert reason["severity"] == "missing_information"
        assert "F31.4" in reason["message"]
        assert list(reason) == ["rule", "severity", "message", "source"]

    @pytest.mark.parametrize(
        ("changes", "verdict", "rule"),
        [
            ({"suicide_risk": "high"}, "requires_override", "suicide.high_risk"),
            ({"inpatient_care_needed": True}, "requires_override", "suicide.inpatient_care_needed"),
            (
                {"bp_systolic": 182, "bp_diastolic": 95},
                "requires_override",
                "vitals.bp_at_least_180_110",
            ),
            ({"icd10_codes": ["F11.20"]}, "requires_override", "substance.active_sud"),
            (
                {"medications": [{"name": "naltrexone"}]},
                "eligible_with_cautions",
                "interaction.opioid_antagonist",
            ),
        ],
    )
    def test_the_new_facts_reach_the_verdict(self, tmp_path, capsys, changes, verdict, rule):
        path = _write(tmp_path, clean_facts(**changes))
        status, out, _ = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path, "--json")
        result = json.loads(out)
        assert (status, result["verdict"]) == (0, verdict)
        assert rule in [r["rule"] for r in result["reasons"]]

    def test_it_reads_facts_from_stdin(self, capsys, monkeypatch) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(clean_facts())))
        status, out, _ = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", "-", "--json")
        assert (status, json.loads(out)["verdict"]) == (0, "eligible")


class ScreenHumanTests:
    def test_it_prints_a_readable_summary(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts(history=["intracerebral_hemorrhage"]))
        status, out, _ = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path)
        assert status == 0
        assert "Verdict: ineligible" in out
        assert "[ineligible] label.intracerebral_hemorrhage" in out
        assert "Source: Aneurysmal vascular disease" in out
        assert "Spravato US prescribing information (v18, 2026) §4" in out

    def test_it_names_bibliography_sources_for_a_reader(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts(suicide_risk="high"))
        status, out, _ = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path)
        assert status == 0
        assert "[requires_override] suicide.high_risk" in out
        assert "Spravato US prescribing information" in out and "[@" not in out

    def test_help_documents_the_vocabularies(self, capsys) -> None:
        with pytest.raises(SystemExit) as caught:
            main(["--help"])
        out = capsys.readouterr().out.replace("\n", " ")
        assert caught.value.code == 0
        for word in (*DIAGNOSES, *HISTORY_ITEMS, *MEDICATION_CLASSES, *SUICIDE_RISKS):
            assert word in out
        for key in ("suicide_risk", "inpatient_care_needed", "icd10_codes", "Contradictory"):
            assert key in out


class ScreenErrorTests:
    def test_an_unknown_protocol_exits_2_naming_it(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts())
        status, out, err = _run(capsys, "--protocol", "iv-ketamine-xyz", "--facts", path)
        assert (status, out) == (2, "")
        assert "unknown protocol 'iv-ketamine-xyz'" in err
        assert "iv-ketamine-trd" in err

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            ("{not json", "is not valid JSON"),
            ("[]", "facts: expected a JSON object, got list"),
            (json.dumps(clean_facts(smoker=True)), "smoker: unknown field 'smoker'"),
            (
                json.dumps(clean_facts(diagnoses=["mdd", "depression"])),
                "diagnoses[1]: unknown word 'depression'",
            ),
            (json.dumps(clean_facts(history=["stroke"])), "history[0]: unknown word 'stroke'"),
            (
                json.dumps(clean_facts(medications=[{"name": "a", "class": "statin"}])),
                "medications[0].class: unknown word 'statin'",
            ),
            (json.dumps(clean_facts(sex="unknown")), "sex: unknown word 'unknown'"),
        ],
    )
    def test_bad_facts_exit_2_naming_the_problem(self, tmp_path, capsys, content, expected) -> None:
        path = _write(tmp_path, content)
        status, out, err = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path)
        assert (status, out) == (2, "")
        assert expected in err

    @pytest.mark.parametrize(
        ("changes", "named"),
        [
            ({"sex": "male", "pregnant": True}, ["pregnant", "sex"]),
            ({"bp_systolic": 100, "bp_diastolic": 100}, ["bp_diastolic", "bp_systolic"]),
            ({"bp_systolic": 90, "bp_diastolic": 120}, ["bp_diastolic", "bp_systolic"]),
        ],
    )
    def test_contradictory_facts_exit_2_naming_them(self, tmp_path, capsys, changes, named):
        path = _write(tmp_path, clean_facts(**changes))
        status, out, err = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path)
        assert (status, out) == (2, "")
        assert "contradict" in err
        assert all(name in err for name in named)

    def test_an_unknown_new_word_exits_2_naming_it(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts(suicide_risk="extreme"))
        status, _, err = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", path)
        assert status == 2
        assert "suicide_risk: unknown word 'extreme'" in err

    def test_an_unreadable_file_exits_2(self, tmp_path, capsys) -> None:
        missing = str(tmp_path / "absent.json")
        status, _, err = _run(capsys, "--protocol", "iv-ketamine-trd", "--facts", missing)
        assert status == 2
        assert "cannot read facts file" in err

    @pytest.mark.parametrize("argv", [[], ["--protocol", "iv-ketamine-trd"], ["--facts", "x"]])
    def test_missing_arguments_exit_2(self, capsys, argv) -> None:
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2


def test_the_console_script_dispatches_screen(tmp_path, capsys) -> None:
    from ketamine_care.__main__ import main as console

    path = _write(tmp_path, clean_facts())
    with pytest.raises(SystemExit) as caught:
        console(
            ["ketamine-care", "screen", "--protocol", "iv-ketamine-trd", "--facts", path, "--json"]
        )
    assert caught.value.code == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "eligible"
