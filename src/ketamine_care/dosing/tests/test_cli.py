"""The `dose` and `plan` command-line contracts and their exit statuses."""

from __future__ import annotations

import json

import pytest

from ketamine_care.dosing.cli import dose_main, plan_main


def _run(main, argv, capsys):
    status = main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_dose_json_contract(capsys):
    status, out, _ = _run(
        dose_main,
        [
            "--protocol",
            "iv-ketamine-trd",
            "--weight-kg",
            "82",
            "--height-cm",
            "180",
            "--sex",
            "male",
            "--concentration-mg-per-ml",
            "10",
            "--json",
        ],
        capsys,
    )
    assert status == 0
    assert json.loads(out) == {
        "protocol": "iv-ketamine-trd",
        "drug": "ketamine",
        "route": "iv",
        "dose_mg": 41.0,
        "dose_mg_per_kg": 0.5,
        "weight_basis": "actual",
        "weight_used_kg": 82.0,
        "bmi": 25.3,
        "infusion": {
            "duration_min": 40,
            "rate_mg_per_h": 61.5,
            "volume_ml": 4.1,
            "rate_ml_per_h": 6.2,
        },
        "devices": None,
        "warnings": [],
        "blocked": False,
        "block_reasons": [],
    }


def test_blocked_dose_prints_everything_and_exits_1(capsys):
    status, out, _ = _run(
        dose_main,
        ["--protocol", "iv-ketamine-trd", "--weight-kg", "70", "--mg-per-kg", "2", "--json"],
        capsys,
    )
    data = json.loads(out)
    assert status == 1 and data["blocked"] and data["block_reasons"]
    assert data["dose_mg"] == 140.0


def test_esketamine_devices(capsys):
    status, out, _ = _run(
        dose_main,
        ["--protocol", "esketamine-trd-label", "--weight-kg", "70", "--dose-mg", "84", "--json"],
        capsys,
    )
    assert status == 0 and json.loads(out)["devices"] == 3


def test_pounds_are_converted_and_echoed(capsys):
    status, out, _ = _run(
        dose_main, ["--protocol", "iv-ketamine-trd", "--weight-lb", "180", "--json"], capsys
    )
    data = json.loads(out)
    assert status == 0 and data["weight_used_kg"] == 81.65 and data["dose_mg"] == 40.8
    assert "180 lb = 81.65 kg" in data["warnings"][0]


def test_human_summary(capsys):
    status, out, _ = _run(dose_main, ["--protocol", "iv-ketamine-trd", "--weight-kg", "82"], capsys)
    assert status == 0 and "Dose: 41 mg (0.5 mg/kg)" in out


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--protocol", "iv-ketamine-trd", "--weight-kg", "0"], "--weight-kg"),
        (["--protocol", "iv-ketamine-trd", "--weight-kg", "-3"], "--weight-kg"),
        (
            ["--protocol", "iv-ketamine-trd", "--weight-kg", "90", "--weight-basis", "ideal"],
            "--height-cm",
        ),
        (
            [
                "--protocol",
                "iv-ketamine-trd",
                "--weight-kg",
                "90",
                "--height-cm",
                "170",
                "--weight-basis",
                "adjusted",
            ],
            "--sex",
        ),
        (["--protocol", "nope", "--weight-kg", "70"], "--protocol"),
        (["--protocol", "iv-ketamine-trd"], "--weight-kg"),
        (["--protocol", "iv-ketamine-trd", "--weight-kg", "70", "--step", "9"], "--step"),
        (["--protocol", "iv-ketamine-trd", "--weight-kg", "70", "--route", "im"], "--route"),
    ],
)
def test_impossible_dose_input_exits_2_naming_the_field(argv, field, capsys):
    status, out, err = _run(dose_main, argv, capsys)
    assert status == 2 and out == "" and field in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        dose_main(
            [
                "--protocol",
                "iv-ketamine-trd",
                "--weight-kg",
                "70",
                "--step",
                "1",
                "--mg-per-kg",
                "0.5",
            ]
        )
    assert info.value.code == 2


def test_plan_json_contract(capsys):
    status, out, _ = _run(
        plan_main,
        [
            "--protocol",
            "esketamine-trd-label",
            "--start",
            "2025-01-06",
            "--horizon-weeks",
            "8",
            "--json",
        ],
        capsys,
    )
    data = json.loads(out)
    assert status == 0 and list(data) == ["protocol", "visits", "reviews"]
    first = data["visits"][0]
    assert list(first) == ["date", "number", "phase", "dose", "assessments"]
    assert (first["date"], first["number"], first["phase"]) == ("2025-01-06", 1, "induction")
    assert first["dose"]["dose_mg"] == 56
    assert list(data["reviews"][0]) == ["after_visit", "date", "purpose"]
    assert len(data["visits"]) == 12


def test_plan_with_maintenance_options(capsys):
    status, out, _ = _run(
        plan_main,
        [
            "--protocol",
            "iv-ketamine-trd",
            "--start",
            "2025-01-06",
            "--maintenance-every",
            "8w",
            "--horizon-weeks",
            "40",
            "--clinic-days",
            "mon,wed,fri",
            "--json",
        ],
        capsys,
    )
    assert status == 0
    assert all(v["phase"] in {"induction", "maintenance"} for v in json.loads(out)["visits"])


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--protocol", "iv-ketamine-trd", "--start", "2025-13-01"], "--start"),
        (
            ["--protocol", "iv-ketamine-trd", "--start", "2025-01-06", "--clinic-days", "fun"],
            "--clinic-days",
        ),
        (["--protocol", "nope", "--start", "2025-01-06"], "--protocol"),
        (["--protocol", "sc-ketamine-late-life", "--start", "2025-01-06"], "--every-days"),
        (
            [
                "--protocol",
                "iv-ketamine-trd",
                "--start",
                "2025-01-06",
                "--maintenance-every",
                "often",
            ],
            "--maintenance-every",
        ),
        (
            ["--protocol", "iv-ketamine-trd", "--start", "2025-01-06", "--horizon-weeks", "0"],
            "--horizon-weeks",
        ),
    ],
)
def test_bad_plan_input_exits_2(argv, field, capsys):
    status, out, err = _run(plan_main, argv, capsys)
    assert status == 2 and out == "" and field in err
