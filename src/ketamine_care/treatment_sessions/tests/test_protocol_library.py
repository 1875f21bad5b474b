"""The adapter and `check-vitals` against the shipped protocol library (protocols/library)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketamine_care.protocols.library import list_protocol_ids, load_definition
from ketamine_care.treatment_sessions import cli
from ketamine_care.treatment_sessions.adapter import monitoring_from_protocol
from ketamine_care.treatment_sessions.alerts import evaluate_alerts
from ketamine_care.treatment_sessions.readings import Reading

PROTOCOL_IDS = list_protocol_ids()
THRESHOLDS = [
    (protocol_id, threshold, condition)
    for protocol_id in PROTOCOL_IDS
    for threshold in load_definition(protocol_id).monitoring.alert_thresholds
    for condition in threshold.conditions
]


def test_the_library_is_not_empty() -> None:
    assert "esketamine-trd-label" in PROTOCOL_IDS


def _age(definition) -> float | None:
    """An age inside the protocol's range, for age-banded (paediatric) protocols."""
    return 8.0 if definition.age_banded else None


@pytest.mark.parametrize("protocol_id", PROTOCOL_IDS)
def test_every_protocol_adapts(protocol_id: str) -> None:
    definition = load_definition(protocol_id)
    for route in definition.routes:
        monitoring = monitoring_from_protocol(definition, route, age_years=_age(definition))
        shipped = [t.rule for t in definition.monitoring.alert_thresholds]
        assert [r.rule for r in monitoring.rules][: len(shipped)] == shipped
        for rule in monitoring.rules[: len(shipped)]:
            continuous = {c.measure for c in rule.conditions} == {"heart_rate"}
            assert rule.sustained_mode == ("continuous" if continuous else "repeat")


def _reading(minute: float, measure: str, value: float, threshold) -> Reading:
    """A reading carrying `value` for `measure`; MAP is set through systolic and diastolic,
    and a symptom rule's reading reports a symptom."""
    if measure == "map":
        values = {"bp_systolic": value + 20, "bp_diastolic": value - 10}  # MAP = value
    else:
        values = {measure: value}
    symptoms = ("chest_pain",) if threshold.with_symptoms else ()
    if symptoms and "bp_systolic" not in values and "bp_diastolic" not in values:
        values["bp_systolic"] = 120
    return Reading(minute=minute, symptoms=symptoms, **values)


def _probe_values(condition) -> tuple[list[float], list[float]]:
    """(values that must alert, values that must not) around one condition's limit."""
    value = condition.value
    if condition.comparison == "in":
        outside = [v for v in (min(value) - 1, max(value) + 1) if 0 <= v <= 5]
        return list(value), outside
    step = {"gt": 1, "ge": 0, "lt": -1, "le": 0}[condition.comparison]
    quiet_step = {"gt": -1, "ge": -1, "lt": 1, "le": 1}[condition.comparison]
    quiet = [value + quiet_step] + ([value] if condition.comparison in ("gt", "lt") else [])
    return [value + step], quiet


@pytest.mark.parametrize(
    ("protocol_id", "threshold", "condition"),
    THRESHOLDS,
    ids=[f"{p}:{t.rule}:{c.measure}" for p, t, c in THRESHOLDS],
)
def test_each_shipped_threshold_at_below_and_above(protocol_id: str, threshold, condition) -> None:
    definition = load_definition(protocol_id)
    monitoring = monitoring_from_protocol(definition, age_years=_age(definition))
    start = -20 if threshold.phase == "pre_dose" else 10
    gap = threshold.sustained_min or 0
    loud, quiet = _probe_values(condition)
    for value, should_alert in [(v, True) for v in loud] + [(v, False) for v in quiet]:
        readings = [
            _reading(start, condition.measure, value, threshold),
            _reading(start + gap, condition.measure, value, threshold),
        ]
        fired = [a for a in evaluate_alerts(readings, monitoring.rules) if a.rule == threshold.rule]
        assert [a.minute for a in fired] == ([start + gap] if should_alert else []), value
        if gap:  # a single reading never satisfies a sustained rule
            alone = evaluate_alerts(readings[:1], monitoring.rules)
            assert threshold.rule not in {a.rule for a in alone}


def run_cli(tmp_path: Path, capsys, protocol_id: str, readings: list, *extra: str) -> tuple:
    path = tmp_path / "readings.json"
    path.write_text(json.dumps(readings), encoding="utf-8")
    status = cli.main(["--protocol", protocol_id, "--readings", str(path), "--json", *extra])
    captured = capsys.readouterr()
    return status, (json.loads(captured.out) if captured.out else None), captured.err


def quiet(minute: float, **overrides: float) -> dict:
    values = {"bp_systolic": 125, "bp_diastolic": 80, "heart_rate": 75, "spo2": 98}
    return {"minute": minute, **values, "respiratory_rate": 14, "moaas": 5, **overrides}


BASELINE = quiet(-10)  # the pre-dose reading discharge compares with


class TestEsketamineTrdLabel:
    @pytest.mark.parametrize(("last", "unmet"), [(119, ["minimum_observation"]), (120, [])])
    def test_discharge_after_two_hours_from_the_first_device(
        self, tmp_path: Path, capsys, last: int, unmet: list
    ) -> None:
        readings = [quiet(-10), quiet(40, bp_systolic=150, bp_diastolic=92), quiet(last)]
        status, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", readings)
        assert status == 0
        assert out["discharge"] == {"ready": not unmet, "earliest_minute": 120, "unmet": unmet}

    def test_bp_not_falling_from_40_minutes(self, tmp_path: Path, capsys) -> None:
        readings = [BASELINE, quiet(40, bp_systolic=145), quiet(125, bp_systolic=145)]
        _, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", readings)
        assert out["discharge"]["unmet"] == ["bp_not_falling"]

    def test_an_unchanged_bp_at_a_safe_level_allows_discharge(self, tmp_path: Path, capsys) -> None:
        """ "Falling or at a safe level" [@spravato-uspi §2]: at or below the label's 140/90
        counts as safe."""
        readings = [BASELINE, quiet(40, bp_systolic=135), quiet(125, bp_systolic=135)]
        _, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", readings)
        assert out["discharge"] == {"ready": True, "earliest_minute": 120, "unmet": []}
        readings = [BASELINE, quiet(40, bp_systolic=141, bp_diastolic=90),
                    quiet(125, bp_systolic=141, bp_diastolic=90)]  # fmt: skip
        _, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", readings)
        assert out["discharge"]["unmet"] == ["bp_not_falling"]

    def test_the_issue_scenario(self, tmp_path: Path, capsys) -> None:
        """Sorted by minute, then rule id; one 125 mmHg diastolic alone is not "sustained"."""
        readings = [
            quiet(-10, bp_systolic=145),
            quiet(10, bp_systolic=185),
            quiet(15, bp_systolic=186),
            quiet(20, heart_rate=125),
            quiet(25, heart_rate=126, spo2=91, moaas=2),
            quiet(30, moaas=1, respiratory_rate=9),
            quiet(35, bp_systolic=205, bp_diastolic=125),
        ]
        _, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", readings)
        assert [(a["minute"], a["tier"], a["rule"]) for a in out["alerts"]] == [
            (-10, "warning", "pre_dose_bp_above_140_90"),
            (10, "warning", "bp_at_or_above_180_110_once"),
            (15, "urgent", "bp_above_180_110_sustained"),
            (25, "warning", "hr_above_120_sustained"),
            (25, "warning", "moaas_2_or_3"),
            (25, "urgent", "spo2_below_92"),
            (30, "urgent", "moaas_0_or_1"),
            (30, "urgent", "rr_below_10"),
            (35, "urgent", "bp_above_200_120"),
            (35, "warning", "bp_at_or_above_180_110_once"),
        ]
        assert set(out["alerts"][0]) == {"minute", "tier", "rule", "message", "action", "source"}

    def test_systolic_and_diastolic_breaches_make_one_sustained_episode(
        self, tmp_path: Path, capsys
    ) -> None:
        """ "Systolic >= 180 or diastolic >= 110, still so 5 minutes later"."""
        readings = [
            quiet(10, bp_systolic=185, bp_diastolic=100),
            quiet(15, bp_systolic=170, bp_diastolic=115),
        ]
        _, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", readings)
        assert [(a["minute"], a["rule"]) for a in out["alerts"]] == [
            (10, "bp_at_or_above_180_110_once"),
            (15, "bp_above_180_110_sustained"),
        ]

    def test_a_very_high_pre_dose_reading_holds_the_dose(self, tmp_path: Path, capsys) -> None:
        _, out, _ = run_cli(
            tmp_path, capsys, "esketamine-trd-label", [quiet(-5, bp_systolic=205, bp_diastolic=125)]
        )
        assert [(a["minute"], a["tier"], a["rule"]) for a in out["alerts"]] == [
            (-5, "urgent", "pre_dose_bp_hold_180_110"),
        ]


class TestIvProtocols:
    def test_observation_runs_from_the_end_of_the_infusion(self, tmp_path: Path, capsys) -> None:
        _, out, _ = run_cli(
            tmp_path, capsys, "iv-ketamine-bipolar-depression", [BASELINE, quiet(90), quiet(100)]
        )
        assert out["discharge"] == {"ready": True, "earliest_minute": 100, "unmet": []}

    def test_an_unset_observation_time_is_reported_not_guessed(self, tmp_path: Path, capsys):
        _, out, _ = run_cli(tmp_path, capsys, "iv-ketamine-trd", [BASELINE, quiet(290), quiet(300)])
        assert out["discharge"] == {
            "ready": False,
            "earliest_minute": None,
            "unmet": ["minimum_observation_not_configured"],
        }

    def test_a_second_route_can_be_chosen(self, tmp_path: Path, capsys) -> None:
        status, out, _ = run_cli(
            tmp_path, capsys, "ed-procedural-sedation", [quiet(5)], "--route", "im"
        )
        assert status == 0 and out["protocol"] == "ed-procedural-sedation"

    def test_an_unknown_route_exits_2(self, tmp_path: Path, capsys) -> None:
        status, out, err = run_cli(tmp_path, capsys, "iv-ketamine-trd", [], "--route", "oral")
        assert (status, out) == (2, None)
        assert "has no route 'oral'" in err

    def test_an_unknown_protocol_exits_2_listing_valid_ids(self, tmp_path: Path, capsys) -> None:
        status, out, err = run_cli(tmp_path, capsys, "no-such-protocol", [])
        assert (status, out) == (2, None)
        assert "unknown protocol 'no-such-protocol'" in err and "esketamine-trd-label" in err


class TestVitalSafetyOnTheCommandLine:
    """The review's cases through `ketamine-care check-vitals` (JSON keys unchanged)."""

    def test_pre_dose_210_over_125_is_an_urgent_hold(self, tmp_path: Path, capsys) -> None:
        readings = [quiet(-5, bp_systolic=210, bp_diastolic=125)]
        status, out, _ = run_cli(tmp_path, capsys, "iv-ketamine-trd", readings)
        assert status == 0
        hold = [a for a in out["alerts"] if a["rule"] == "pre_dose_bp_hold_180_110"]
        assert [(a["minute"], a["tier"]) for a in hold] == [(-5, "urgent")]
        assert hold[0]["action"].startswith("Hold the dose.")
        assert set(out) == {"protocol", "alerts", "discharge"}
        assert set(out["discharge"]) == {"ready", "earliest_minute", "unmet"}

    def test_post_dose_190_over_112_warns_then_is_urgent_five_minutes_later(
        self, tmp_path: Path, capsys
    ) -> None:
        one = [quiet(-5), quiet(20, bp_systolic=190, bp_diastolic=112)]
        _, out, _ = run_cli(tmp_path, capsys, "iv-ketamine-trd", one)
        assert [(a["minute"], a["tier"]) for a in out["alerts"]] == [(20, "warning")]
        two = [*one, quiet(25, bp_systolic=184, bp_diastolic=108)]
        _, out, _ = run_cli(tmp_path, capsys, "iv-ketamine-trd", two)
        assert (25, "urgent", "bp_above_180_110_sustained") in [
            (a["minute"], a["tier"], a["rule"]) for a in out["alerts"]
        ]

    def test_178_over_108_rising_from_120_over_75_is_not_ready(self, tmp_path: Path, capsys):
        readings = [
            quiet(-10, bp_systolic=120, bp_diastolic=75),
            quiet(290, bp_systolic=172, bp_diastolic=104),
            quiet(300, bp_systolic=178, bp_diastolic=108),
        ]
        _, out, _ = run_cli(tmp_path, capsys, "iv-ketamine-trd", readings)
        assert out["discharge"]["ready"] is False
        assert {"bp_not_near_baseline", "bp_rising"} <= set(out["discharge"]["unmet"])

    def test_no_baseline_is_reported(self, tmp_path: Path, capsys) -> None:
        _, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", [quiet(40), quiet(125)])
        assert "baseline_missing" in out["discharge"]["unmet"]

    def test_a_symptom_makes_a_raised_bp_urgent(self, tmp_path: Path, capsys) -> None:
        reading = quiet(30, bp_systolic=152, bp_diastolic=94, symptoms=["chest_pain"])
        _, out, _ = run_cli(tmp_path, capsys, "esketamine-trd-label", [reading])
        assert (30, "urgent", "bp_raised_with_symptoms") in [
            (a["minute"], a["tier"], a["rule"]) for a in out["alerts"]
        ]

    def test_an_unknown_symptom_exits_2_naming_it(self, tmp_path: Path, capsys) -> None:
        reading = quiet(30, symptoms=["chest_pain", "nosebleed"])
        status, out, err = run_cli(tmp_path, capsys, "iv-ketamine-trd", [reading])
        assert (status, out) == (2, None)
        assert "readings[0].symptoms: unknown symptom 'nosebleed'" in err

    def test_a_two_year_old_with_hr_120_raises_nothing(self, tmp_path: Path, capsys) -> None:
        reading = {"minute": 10, "heart_rate": 120, "respiratory_rate": 28, "spo2": 98}
        status, out, _ = run_cli(
            tmp_path, capsys, "pediatric-procedural-sedation", [reading], "--age-years", "2"
        )
        assert (status, out["alerts"]) == (0, [])

    def test_an_infant_with_rr_12_is_urgent(self, tmp_path: Path, capsys) -> None:
        reading = {"minute": 10, "respiratory_rate": 12}
        _, out, _ = run_cli(
            tmp_path, capsys, "pediatric-procedural-sedation", [reading], "--age-years", "0.5"
        )
        assert [(a["tier"], a["rule"]) for a in out["alerts"]] == [("urgent", "paed_rr_below_band")]

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ((), "--age-years is required"),
            (("--age-years", "-1"), "--age-years: age -1.0 years is not possible"),
        ],
    )
    def test_a_paediatric_protocol_without_a_usable_age_exits_2(
        self, tmp_path: Path, capsys, extra: tuple, message: str
    ) -> None:
        for protocol_id in ("pediatric-procedural-sedation", "iv-ketamine-adolescent-research"):
            status, out, err = run_cli(tmp_path, capsys, protocol_id, [quiet(5)], *extra)
            assert (status, out) == (2, None)
            assert message in err

    @pytest.mark.parametrize(
        ("age", "message"),
        [
            ("5", "--age-years: 5 is a child's age, and protocol 'iv-ketamine-trd' has adult"),
            ("17.9", "--age-years: 17.9 is a child's age"),
            ("-1", "--age-years: must be between 0 and 130 (got -1)"),
            ("nan", "--age-years: must be between 0 and 130 (got nan)"),
        ],
    )
    def test_a_child_on_a_protocol_with_adult_lines_only_exits_2(
        self, tmp_path: Path, capsys, age: str, message: str
    ) -> None:
        # A 5-year-old's heart rate of 150 is above the 3-5 years band (60-140), which adult
        # lines never see: children are judged by age band, never on adult lines.
        reading = {**quiet(5), "heart_rate": 150}
        status, out, err = run_cli(
            tmp_path, capsys, "iv-ketamine-trd", [reading], "--age-years", age
        )
        assert (status, out) == (2, None)
        assert message in err

    def test_an_adult_age_on_a_protocol_with_adult_lines_is_judged(
        self, tmp_path: Path, capsys
    ) -> None:
        for age in ("18", "40"):
            status, out, _ = run_cli(
                tmp_path, capsys, "iv-ketamine-trd", [quiet(5)], "--age-years", age
            )
            assert status == 0
            assert out["alerts"] == []
