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


def test_the_adolescent_cap_entered_as_mg_is_the_capped_ladder_step(capsys):
    argv = ["--protocol", "iv-ketamine-adolescent-research", "--weight-kg", "100"]
    argv += ["--age-years", "16", "--json"]
    for choice in (["--step", "1"], ["--dose-mg", "40"]):
        status, out, _ = _run(dose_main, [*argv, *choice], capsys)
        data = json.loads(out)
        assert (status, data["dose_mg"], data["block_reasons"]) == (0, 40.0, []), choice


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
    assert status == 0 and list(data) == ["protocol", "visits", "reviews", "warnings"]
    first = data["visits"][0]
    keys = ["date", "number", "phase", "dose", "assessments", "conditional", "condition"]
    assert list(first) == keys
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


class TestDoseSafetyFlags:
    """Review findings on the command line: weight basis, children, plausibility, ceiling
    reason, reduced doses, ED doses and the label jurisdiction."""

    def test_ideal_above_actual_uses_actual_and_warns(self, capsys):
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "45", "--height-cm", "170"]
        argv += ["--sex", "male", "--weight-basis", "ideal", "--json"]
        status, out, _ = _run(dose_main, argv, capsys)
        data = json.loads(out)
        assert status == 0 and list(data) == list(json.loads(out))  # keys unchanged
        assert (data["weight_used_kg"], data["dose_mg"], data["weight_basis"]) == (
            45.0,
            22.5,
            "actual",
        )
        assert any("above the actual weight" in w for w in data["warnings"])

    @pytest.mark.parametrize("basis", ["ideal", "adjusted"])
    def test_paediatric_protocol_refuses_ideal_and_adjusted(self, basis, capsys):
        argv = ["--protocol", "pediatric-procedural-sedation", "--weight-kg", "20"]
        argv += ["--height-cm", "115", "--sex", "female", "--weight-basis", basis]
        status, out, err = _run(dose_main, argv, capsys)
        assert status == 2 and out == ""
        assert "--weight-basis" in err and basis in err and "actual weight only" in err

    def test_age_under_18_makes_an_adult_protocol_paediatric(self, capsys):
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "60", "--height-cm", "165"]
        argv += ["--sex", "male", "--weight-basis", "adjusted", "--age-years", "16"]
        status, _, err = _run(dose_main, argv, capsys)
        assert status == 2 and "--weight-basis" in err

    def test_a_child_on_an_adult_protocol(self, capsys):
        # The reviewed case: age 10, 300 kg, adult TRD protocol was dosed 150 mg silently.
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "300", "--age-years", "10"]
        status, out, err = _run(dose_main, [*argv, "--json"], capsys)
        assert status == 2 and out == "" and "--weight-kg" in err and "--confirm-weight" in err
        status, out, _ = _run(dose_main, [*argv, "--confirm-weight", "--json"], capsys)
        data = json.loads(out)
        assert status == 1 and data["blocked"] is True
        assert data["block_reasons"] == [
            "age 10 years is outside this protocol's ages (18 years and older): give a reason "
            "to dose outside them"
        ]

    def test_devine_undefined_below_152_cm(self, capsys):
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "90", "--height-cm", "150"]
        argv += ["--sex", "female", "--weight-basis", "ideal"]
        status, _, err = _run(dose_main, argv, capsys)
        assert status == 2 and "--weight-basis" in err and "152.4 cm" in err

    def test_implausible_weight_needs_confirm_weight(self, capsys):
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "260", "--json"]
        status, out, err = _run(dose_main, argv, capsys)
        assert status == 2 and out == "" and "--weight-kg" in err and "--confirm-weight" in err
        argv += ["--weight-basis", "actual", "--confirm-weight"]
        status, out, _ = _run(dose_main, argv, capsys)
        assert status == 0 and json.loads(out)["dose_mg"] == 130.0

    def test_implausible_height_is_named(self, capsys):
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "70", "--height-cm", "250"]
        status, _, err = _run(dose_main, argv, capsys)
        assert status == 2 and "--height-cm" in err

    def test_entered_in_pounds_warning(self, capsys):
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "154", "--last-weight-kg", "70"]
        argv += ["--weight-basis", "actual", "--json"]
        status, out, _ = _run(dose_main, argv, capsys)
        assert status == 0
        assert any("entered in pounds?" in w for w in json.loads(out)["warnings"])

    def test_reduced_dose_below_the_floor_needs_a_reason(self, capsys):
        argv = ["--protocol", "iv-ketamine-trd", "--weight-kg", "80", "--mg-per-kg", "0.3"]
        status, out, _ = _run(dose_main, [*argv, "--json"], capsys)
        assert status == 1 and json.loads(out)["blocked"]
        status, out, _ = _run(dose_main, [*argv, "--reason", "nausea at 0.5", "--json"], capsys)
        data = json.loads(out)
        assert status == 0 and data["dose_mg"] == 24.0 and not data["blocked"]

    @pytest.mark.parametrize(
        ("mg_per_kg", "status", "dose_mg"), [("4.5", 0, 360.0), ("5.1", 1, 408.0)]
    )
    def test_agitation_warns_above_4_and_blocks_above_5(self, mg_per_kg, status, dose_mg, capsys):
        argv = ["--protocol", "ed-severe-agitation", "--weight-kg", "80"]
        argv += ["--mg-per-kg", mg_per_kg, "--json"]
        code, out, _ = _run(dose_main, argv, capsys)
        data = json.loads(out)
        assert (code, data["dose_mg"]) == (status, dose_mg)
        if status == 0:
            assert any("intubation" in w for w in data["warnings"])

    def test_agitation_capped_at_500_mg(self, capsys):
        argv = ["--protocol", "ed-severe-agitation", "--weight-kg", "130", "--json"]
        code, out, _ = _run(dose_main, argv, capsys)
        assert code == 0 and json.loads(out)["dose_mg"] == 500.0

    def test_paediatric_iv_procedural_sedation(self, capsys):
        argv = [
            *("--protocol", "pediatric-procedural-sedation", "--weight-kg", "20"),
            *("--age-years", "5", "--json"),
        ]
        code, out, _ = _run(dose_main, argv, capsys)
        assert code == 0 and json.loads(out)["dose_mg"] == 30.0
        code, out, _ = _run(dose_main, [*argv, "--mg-per-kg", "2.0"], capsys)
        assert code == 0 and json.loads(out)["dose_mg"] == 40.0

    @pytest.mark.parametrize(
        ("jurisdiction", "age", "dose_mg"),
        [("US", "70", 56.0), ("EU", "70", 28.0), ("EU", "50", 56.0)],
    )
    def test_esketamine_start_follows_the_jurisdiction(self, jurisdiction, age, dose_mg, capsys):
        argv = ["--protocol", "esketamine-trd-label", "--age-years", age]
        argv += ["--jurisdiction", jurisdiction, "--json"]
        code, out, _ = _run(dose_main, argv, capsys)
        assert code == 0 and json.loads(out)["dose_mg"] == dose_mg

    def test_eu_without_age_exits_2(self, capsys):
        argv = ["--protocol", "esketamine-trd-label", "--jurisdiction", "EU"]
        code, _, err = _run(dose_main, argv, capsys)
        assert code == 2 and "--age-years" in err

    def test_unknown_jurisdiction_exits_2(self, capsys):
        with pytest.raises(SystemExit) as info:
            dose_main(["--protocol", "esketamine-trd-label", "--jurisdiction", "UK"])
        assert info.value.code == 2
