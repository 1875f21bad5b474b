"""`ketamine-care check-vitals --json` against the labels and the protocols' sources, case by
case: the alerts each set of readings raises (every key of every alert, with the protocol's
own words) at each threshold, just below, at and just above it, and the discharge verdict.

Minutes count from the start of dosing; minute 0 and before is pre-dose. A quiet reading
(125/80, HR 75, SpO2 98, RR 14, MOAA/S 5) raises nothing, so each case changes only what it
is about. Every case names its source.
"""

from __future__ import annotations

import json

import pytest

from ketamine_care.protocols.library import load_definition
from ketamine_care.treatment_sessions import cli
from ketamine_care.treatment_sessions.adapter import monitoring_from_protocol

ESK = "esketamine-trd-label"
IV = "iv-ketamine-trd"
CHILD = "pediatric-procedural-sedation"


def quiet(minute: float, **changes) -> dict:
    values = {"bp_systolic": 125, "bp_diastolic": 80, "heart_rate": 75, "spo2": 98}
    return {"minute": minute, **values, "respiratory_rate": 14, "moaas": 5, **changes}


def check(tmp_path, capsys, protocol: str, readings: list, age: float | None = None) -> dict:
    path = tmp_path / "readings.json"
    path.write_text(json.dumps(readings), encoding="utf-8")
    extra = [] if age is None else ["--age-years", str(age)]
    status = cli.main(["--protocol", protocol, "--readings", str(path), "--json", *extra])
    out = capsys.readouterr().out
    assert status == 0
    result = json.loads(out)
    assert list(result) == ["protocol", "alerts", "discharge"] and result["protocol"] == protocol
    return result


def alert(protocol: str, minute: float, rule_id: str, age: float | None = None) -> dict:
    """The whole alert object the command prints for `rule_id`, in the protocol's words."""
    rules = monitoring_from_protocol(load_definition(protocol), age_years=age).rules
    rule = next(r for r in rules if r.rule == rule_id)
    return {
        "minute": minute,
        "tier": rule.tier,
        "rule": rule.rule,
        "message": rule.message,
        "action": rule.action,
        "source": rule.source,
    }


HOLD, REVIEW = "pre_dose_bp_hold_180_110", "pre_dose_bp_above_140_90"
ONCE, SUSTAINED, VERY_HIGH = (
    "bp_at_or_above_180_110_once",
    "bp_above_180_110_sustained",
    "bp_above_200_120",
)
SYMPTOMS = "bp_raised_with_symptoms"

# Each case: protocol, readings, the alerts as (minute, rule) in the command's order.
CASES = [
    # Before dosing: above 140/90 is the label's review line [@spravato-uspi §2.1]; 180/110 or
    # more holds the dose [@acc-aha-2017] [@yip-2022] and is that alert alone.
    (ESK, [quiet(-5, bp_systolic=140, bp_diastolic=90)], []),
    (ESK, [quiet(-5, bp_systolic=141)], [(-5, REVIEW)]),
    (ESK, [quiet(-5, bp_diastolic=91)], [(-5, REVIEW)]),
    (ESK, [quiet(-5, bp_systolic=179, bp_diastolic=109)], [(-5, REVIEW)]),
    (ESK, [quiet(-5, bp_systolic=180)], [(-5, HOLD)]),
    (ESK, [quiet(-5, bp_systolic=130, bp_diastolic=110)], [(-5, HOLD)]),
    (ESK, [quiet(0, bp_systolic=180)], [(0, HOLD)]),  # a baseline at minute 0 is pre-dose
    (IV, [quiet(-5, bp_systolic=180)], [(-5, HOLD)]),
    # After dosing [@yip-2022] [@acc-aha-2017]: one reading at or above 180/110 warns to
    # recheck in 5 min; still there 5 min later is urgent; 200/120 once is urgent.
    (ESK, [quiet(10, bp_systolic=179, bp_diastolic=109)], []),
    (ESK, [quiet(0.5, bp_systolic=180)], [(0.5, ONCE)]),
    (ESK, [quiet(10, bp_diastolic=110)], [(10, ONCE)]),
    (ESK, [quiet(10, bp_systolic=180), quiet(14, bp_systolic=181)], [(10, ONCE)]),
    (ESK, [quiet(10, bp_systolic=180), quiet(15, bp_systolic=180)], [(10, ONCE), (15, SUSTAINED)]),
    (ESK, [quiet(10, bp_systolic=199, bp_diastolic=119)], [(10, ONCE)]),
    (ESK, [quiet(10, bp_systolic=200)], [(10, VERY_HIGH), (10, ONCE)]),
    (ESK, [quiet(10, bp_systolic=150, bp_diastolic=120)], [(10, VERY_HIGH), (10, ONCE)]),
    # A symptom of hypertensive emergency with BP above the review line is urgent at once
    # [@yip-2022] [@spravato-uspi §2.1], before or after dosing.
    (ESK, [quiet(20, bp_systolic=140, bp_diastolic=90, symptoms=["chest_pain"])], []),
    (ESK, [quiet(20, bp_systolic=141, symptoms=["severe_headache"])], [(20, SYMPTOMS)]),
    (ESK, [quiet(-5, bp_diastolic=91, symptoms=["confusion"])], [(-5, SYMPTOMS), (-5, REVIEW)]),
    # Low values, adults (INSTITUTIONAL sedation-unit limits [@ketamine-care-defaults]; RR
    # above 30 [@wjem-2020-ed-ketamine]): SBP < 90 or MAP < 65 urgent, HR < 50 warning and
    # < 40 urgent, RR > 30 warning, RR < 10 and SpO2 < 92 urgent. MAP = (SBP + 2 DBP) / 3.
    (IV, [quiet(20, bp_systolic=90, bp_diastolic=60)], []),
    (IV, [quiet(20, bp_systolic=89, bp_diastolic=60)], [(20, "sbp_below_90")]),
    (IV, [quiet(20, bp_systolic=95, bp_diastolic=50)], []),  # MAP 65
    (IV, [quiet(20, bp_systolic=94, bp_diastolic=50)], [(20, "map_below_65")]),  # 64.7
    (IV, [quiet(20, heart_rate=50)], []),
    (IV, [quiet(20, heart_rate=49)], [(20, "hr_below_50")]),
    (IV, [quiet(20, heart_rate=40)], [(20, "hr_below_50")]),
    (IV, [quiet(20, heart_rate=39)], [(20, "hr_below_40"), (20, "hr_below_50")]),
    (IV, [quiet(20, respiratory_rate=30)], []),
    (IV, [quiet(20, respiratory_rate=31)], [(20, "rr_above_30")]),
    (IV, [quiet(20, respiratory_rate=10)], []),
    (IV, [quiet(20, respiratory_rate=9)], [(20, "rr_below_10")]),
    (ESK, [quiet(20, spo2=92)], []),
    (ESK, [quiet(20, spo2=91)], [(20, "spo2_below_92")]),
    # Heart rate above 120 sustained for 5 min (INSTITUTIONAL [@ketamine-care-defaults]):
    # every reading of the 5 minutes above it.
    (ESK, [quiet(10, heart_rate=120), quiet(15, heart_rate=120)], []),
    (ESK, [quiet(10, heart_rate=121), quiet(14, heart_rate=121)], []),
    (ESK, [quiet(10, heart_rate=121), quiet(15, heart_rate=121)], [(15, "hr_above_120_sustained")]),
    (ESK, [quiet(10, heart_rate=121), quiet(12, heart_rate=119), quiet(15, heart_rate=121)], []),
    # Sedation, MOAA/S [@chernik-1990] (0 = loss of consciousness [@spravato-uspi §5]); tiers
    # INSTITUTIONAL [@ketamine-care-defaults]: 2-3 warning, 0-1 urgent, after dosing only.
    (ESK, [quiet(20, moaas=4)], []),
    (ESK, [quiet(20, moaas=3)], [(20, "moaas_2_or_3")]),
    (ESK, [quiet(20, moaas=2)], [(20, "moaas_2_or_3")]),
    (ESK, [quiet(20, moaas=1)], [(20, "moaas_0_or_1")]),
    (ESK, [quiet(20, moaas=0)], [(20, "moaas_0_or_1")]),
    (ESK, [quiet(-5, moaas=2)], []),
]


@pytest.mark.parametrize(("protocol", "readings", "alerts"), CASES)
def test_adult_alerts_at_each_threshold(tmp_path, capsys, protocol, readings, alerts):
    result = check(tmp_path, capsys, protocol, readings)
    assert result["alerts"] == [alert(protocol, minute, rule) for minute, rule in alerts]


# Children are judged by the PALS normal ranges of their age band, never adult lines
# [@pals-2020]: HR or RR outside the band warns, RR below it is urgent, SBP below the band's
# hypotension line is urgent (70 + 2 x age in years from 1 to 10), and bradycardia with SpO2
# below 92 is urgent.
PAEDIATRIC = [
    (2, quiet(10, heart_rate=100, respiratory_rate=22, bp_systolic=74, bp_diastolic=40), []),
    (2, quiet(10, heart_rate=190, respiratory_rate=37), []),
    (2, quiet(10, heart_rate=99, respiratory_rate=22), [(10, "paed_hr_below_band")]),
    (2, quiet(10, heart_rate=191, respiratory_rate=22), [(10, "paed_hr_above_band")]),
    (2, quiet(10, heart_rate=120, respiratory_rate=21), [(10, "paed_rr_below_band")]),
    (2, quiet(10, heart_rate=120, respiratory_rate=38), [(10, "paed_rr_above_band")]),
    (
        2,
        quiet(10, heart_rate=120, respiratory_rate=30, bp_systolic=73, bp_diastolic=40),
        [(10, "paed_sbp_below_hypotension_line")],
    ),
    (
        2,
        quiet(10, heart_rate=99, respiratory_rate=30, spo2=91),
        [(10, "paed_hr_below_band"), (10, "paed_hypoxic_bradycardia"), (10, "spo2_below_92")],
    ),
    (2.99, quiet(10, heart_rate=95, respiratory_rate=25), [(10, "paed_hr_below_band")]),
    (3, quiet(10, heart_rate=95, respiratory_rate=25), []),
    (0.1, quiet(10, heart_rate=140, respiratory_rate=30, bp_systolic=60, bp_diastolic=35), []),
    (
        0.1,
        quiet(10, heart_rate=140, respiratory_rate=29, bp_systolic=59, bp_diastolic=35),
        [(10, "paed_rr_below_band"), (10, "paed_sbp_below_hypotension_line")],
    ),
    # An adult's HR of 45 warns on adult lines; an 8-year-old's is judged by the band only.
    (8, quiet(10, heart_rate=45, respiratory_rate=20), [(10, "paed_hr_below_band")]),
    (15, quiet(10, heart_rate=100, respiratory_rate=12, bp_systolic=90, bp_diastolic=50), []),
    (
        15,
        quiet(10, heart_rate=101, respiratory_rate=11, bp_systolic=89, bp_diastolic=50),
        [
            (10, "paed_hr_above_band"),
            (10, "paed_rr_below_band"),
            (10, "paed_sbp_below_hypotension_line"),
        ],
    ),
]


@pytest.mark.parametrize(("age", "reading", "alerts"), PAEDIATRIC)
def test_paediatric_alerts_by_age_band(tmp_path, capsys, age, reading, alerts):
    result = check(tmp_path, capsys, CHILD, [reading], age=age)
    assert result["alerts"] == [alert(CHILD, m, rule, age=age) for m, rule in alerts]


BASE = quiet(-10)  # the pre-dose baseline discharge compares with
BIPOLAR = "iv-ketamine-bipolar-depression"
READY = {"ready": True, "unmet": []}

# Discharge. Esketamine: at least 2 h from the first device, BP falling from its 40-minute
# value or at a safe level [@spravato-uspi §2] (at or below the label's 140/90, a
# clinic-editable default). Every route: BP and HR within 20 % of the pre-dose value, or BP
# at or below 140/90, and BP not rising [@chung-1995]; no baseline, not met. IV bipolar:
# observed 60 min after the 40-minute infusion [@diazgranados-2010]; IV TRD leaves it to the
# clinic. MOAA/S back to 5 [@chernik-1990].
DISCHARGE = [
    (
        ESK,
        [BASE, quiet(40, bp_systolic=150, bp_diastolic=92), quiet(119)],
        120,
        ["minimum_observation"],
    ),
    (ESK, [BASE, quiet(40, bp_systolic=150, bp_diastolic=92), quiet(120)], 120, []),
    (ESK, [BASE, quiet(40, bp_systolic=145), quiet(125, bp_systolic=145)], 120, ["bp_not_falling"]),
    (ESK, [BASE, quiet(40, bp_systolic=140), quiet(125, bp_systolic=140)], 120, []),
    (ESK, [BASE, quiet(40, bp_systolic=141), quiet(125, bp_systolic=141)], 120, ["bp_not_falling"]),
    (ESK, [quiet(40), quiet(125)], 120, ["baseline_missing"]),
    (ESK, [BASE, quiet(40), quiet(125, moaas=4)], 120, ["moaas_not_5"]),
    (BIPOLAR, [BASE, quiet(90), quiet(99)], 100, ["minimum_observation"]),
    (BIPOLAR, [BASE, quiet(90), quiet(100)], 100, []),
    # 20 % of 125/80 and HR 75: 150/96 and HR 90 are near; 151 and HR 91 are not.
    (
        BIPOLAR,
        [
            BASE,
            quiet(90, bp_systolic=150, bp_diastolic=96),
            quiet(100, bp_systolic=150, bp_diastolic=96, heart_rate=90),
        ],
        100,
        [],
    ),
    (
        BIPOLAR,
        [
            BASE,
            quiet(90, bp_systolic=151, bp_diastolic=96),
            quiet(100, bp_systolic=151, bp_diastolic=96),
        ],
        100,
        ["bp_not_near_baseline"],
    ),
    (BIPOLAR, [BASE, quiet(90), quiet(100, heart_rate=91)], 100, ["hr_not_near_baseline"]),
    (BIPOLAR, [BASE, quiet(90), quiet(100, bp_systolic=126)], 100, ["bp_rising"]),
    (BIPOLAR, [BASE, quiet(100)], 100, ["bp_trend_not_established"]),
    (
        BIPOLAR,
        [BASE, quiet(90, spo2=91), quiet(100)],
        100,
        ["urgent_alert_unacknowledged"],
    ),
    (IV, [BASE, quiet(290), quiet(300)], None, ["minimum_observation_not_configured"]),
]


@pytest.mark.parametrize(("protocol", "readings", "earliest", "unmet"), DISCHARGE)
def test_discharge_readiness(tmp_path, capsys, protocol, readings, earliest, unmet):
    result = check(tmp_path, capsys, protocol, readings)
    assert result["discharge"] == {"ready": not unmet, "earliest_minute": earliest, "unmet": unmet}
