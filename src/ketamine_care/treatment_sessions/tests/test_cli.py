"""`ketamine-care check-vitals`: JSON contract, human summary and exit statuses.

The protocol is replaced by the test rules here; test_protocol_library.py runs the CLI
against the shipped protocol library.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ketamine_care.treatment_sessions import cli
from ketamine_care.treatment_sessions.adapter import SessionMonitoring

from .builders import DEFAULT_RULES, ESKETAMINE

MONITORING = SessionMonitoring(
    protocol_id="test-esketamine",
    protocol_version="1",
    rules=DEFAULT_RULES,
    discharge=ESKETAMINE,
)


@pytest.fixture(autouse=True)
def test_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(protocol_id: str, route: str | None, age_years=None) -> SessionMonitoring:
        if protocol_id != "test-esketamine":
            raise cli.InputError(f"unknown protocol {protocol_id!r}")
        return MONITORING

    monkeypatch.setattr(cli, "_load_monitoring", load)


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], readings: object, *extra: str
) -> tuple[int, str, str]:
    path = tmp_path / "readings.json"
    path.write_text(json.dumps(readings), encoding="utf-8")
    status = cli.main(["--protocol", "test-esketamine", "--readings", str(path), *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


SESSION = [
    {"minute": -10, "bp_systolic": 150, "bp_diastolic": 85, "heart_rate": 80, "spo2": 98},
    {"minute": 40, "bp_systolic": 165, "bp_diastolic": 95, "moaas": 3},
    {"minute": 20, "spo2": 90.5},
    {"minute": 125, "bp_systolic": 140, "bp_diastolic": 85, "moaas": 5, "spo2": 97},
]


class TestJsonOutput:
    def test_it_prints_the_contract(self, tmp_path: Path, capsys) -> None:
        status, out, err = run(tmp_path, capsys, SESSION, "--json")
        assert (status, err) == (0, "")
        assert json.loads(out) == {
            "protocol": "test-esketamine",
            "alerts": [
                {
                    "minute": -10,
                    "tier": "warning",
                    "rule": "bp_pre_dose_review",
                    "message": "bp_pre_dose_review message",
                    "action": "bp_pre_dose_review action",
                    "source": "Test threshold [@yip-2022]",
                },
                {
                    "minute": 20,
                    "tier": "urgent",
                    "rule": "spo2_low",
                    "message": "spo2_low message",
                    "action": "spo2_low action",
                    "source": "Test threshold [@yip-2022]",
                },
                {
                    "minute": 40,
                    "tier": "warning",
                    "rule": "moaas_sedated",
                    "message": "moaas_sedated message",
                    "action": "moaas_sedated action",
                    "source": "Test threshold [@yip-2022]",
                },
            ],
            "discharge": {
                "ready": False,
                "earliest_minute": 120,
                "unmet": ["urgent_alert_unacknowledged"],
            },
        }
        assert list(json.loads(out)) == ["protocol", "alerts", "discharge"]

    def test_a_quiet_session_is_ready(self, tmp_path: Path, capsys) -> None:
        quiet = [r for r in SESSION if r["minute"] != 20]
        status, out, _ = run(tmp_path, capsys, quiet, "--json")
        assert json.loads(out)["discharge"] == {"ready": True, "earliest_minute": 120, "unmet": []}

    def test_an_empty_list_gives_no_alerts(self, tmp_path: Path, capsys) -> None:
        status, out, _ = run(tmp_path, capsys, [], "--json")
        assert status == 0
        assert json.loads(out)["alerts"] == []
        assert json.loads(out)["discharge"]["unmet"] == [
            "minimum_observation",
            "moaas_not_recorded",
            "bp_not_recorded",
        ]

    def test_it_reads_stdin(self, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(SESSION)))
        assert cli.main(["--protocol", "test-esketamine", "--readings", "-", "--json"]) == 0
        assert len(json.loads(capsys.readouterr().out)["alerts"]) == 3


class TestHumanSummary:
    def test_it_names_alerts_actions_and_unmet_criteria(self, tmp_path: Path, capsys) -> None:
        status, out, _ = run(tmp_path, capsys, SESSION)
        assert status == 0
        assert "minute 20  URGENT  spo2_low" in out
        assert "action: spo2_low action" in out
        assert "Discharge: not ready" in out
        assert "minimum observation met from minute 120" in out
        assert "unmet: urgent_alert_unacknowledged" in out
        assert "not evaluated here (clinician input): escort, dissociation" in out

    def test_it_names_each_source_as_a_reader_knows_it(self, tmp_path: Path, capsys) -> None:
        # The --json contract keeps "[@yip-2022]" (TestJsonOutput); the text names the paper.
        _, out, _ = run(tmp_path, capsys, SESSION)
        assert "source: Test threshold Yip 2022" in out and "[@" not in out


class TestBadInput:
    @pytest.mark.parametrize(
        ("readings", "message"),
        [
            ([{"minute": 0}, {"minute": 5, "bp_systolic": 400}], "readings[1].bp_systolic: 400"),
            ([{"minute": 0, "spo2": 120}], "readings[0].spo2: 120 %"),
            ([{"minute": 0, "bp_systolic": 100, "bp_diastolic": 110}], "readings[0].bp_diastolic"),
            ([{"minute": 0, "pulse": 80}], "readings[0].pulse: unknown field"),
            ([{"minute": 0, "heart_rate": "80"}], "readings[0].heart_rate: must be a number"),
            ([{"heart_rate": 80}], "readings[0].minute: is required"),
            ({"minute": 0}, "expected a JSON list"),
        ],
    )
    def test_it_exits_2_naming_the_reading_and_field(
        self, tmp_path: Path, capsys, readings: object, message: str
    ) -> None:
        status, out, err = run(tmp_path, capsys, readings, "--json")
        assert (status, out) == (2, "")
        assert err.startswith("ketamine-care check-vitals: error: ")
        assert message in err

    def test_invalid_json(self, tmp_path: Path, capsys) -> None:
        path = tmp_path / "bad.json"
        path.write_text("[{", encoding="utf-8")
        assert cli.main(["--protocol", "test-esketamine", "--readings", str(path)]) == 2
        assert "is not valid JSON" in capsys.readouterr().err

    def test_missing_file(self, tmp_path: Path, capsys) -> None:
        missing = str(tmp_path / "none.json")
        assert cli.main(["--protocol", "test-esketamine", "--readings", missing]) == 2
        assert "cannot read readings file" in capsys.readouterr().err

    def test_unknown_protocol(self, tmp_path: Path, capsys) -> None:
        path = tmp_path / "r.json"
        path.write_text("[]", encoding="utf-8")
        assert cli.main(["--protocol", "nope", "--readings", str(path)]) == 2
        assert "unknown protocol 'nope'" in capsys.readouterr().err

    @pytest.mark.parametrize("argv", [[], ["--protocol", "x"], ["--readings", "r.json"]])
    def test_missing_arguments_exit_2_through_argparse(self, argv: list[str]) -> None:
        with pytest.raises(SystemExit) as caught:
            cli.main(argv)
        assert caught.value.code == 2
