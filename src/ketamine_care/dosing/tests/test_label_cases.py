"""`ketamine-care dose --json` against the labels and the protocols' sources, case by case: the
whole JSON object each command line prints, at each boundary (just below, at, just above).

Every case names its source. Weights and heights are test data; the 70 kg, 175 cm man has a
BMI of 22.9, so his dose needs no weight-basis choice.
"""

from __future__ import annotations

import pytest

from .label_cases import DILUTE, NO_BMI, NO_INFUSION, expected, infusion, run_dose, source

MAN = "--weight-kg 70 --height-cm 175 --sex male"
TRD = f"--protocol iv-ketamine-trd {MAN}"
ED_IV = "--protocol ed-procedural-sedation --weight-kg 70 --weight-basis actual"


def on(weight: float, **fields):
    """The fields of a dose on the actual weight `weight` kg (mg and mg/kg among `fields`)."""
    return dict(weight_basis="actual", weight_used_kg=float(weight), **fields)


# The 100 mg/mL strength is diluted before any IV use; IM needs no dilution
# [@ketalar-uspi §2]. Volume = dose / concentration, mL/h = volume x 60 / 40 min, to 0.1 mL.
TRD_35 = dict(dose_mg=35.0, dose_mg_per_kg=0.5, bmi=22.9)
CONCENTRATION = [
    (
        f"{TRD} --concentration-mg-per-ml 10",
        on(70, **TRD_35, infusion=infusion(40, 52.5, 3.5, 5.3)),
    ),
    (
        f"{TRD} --concentration-mg-per-ml 50",
        on(70, **TRD_35, infusion=infusion(40, 52.5, 0.7, 1.1)),
    ),
    (
        f"{TRD} --concentration-mg-per-ml 100",
        on(70, **TRD_35, infusion=infusion(40, 52.5, 0.4, 0.5), warnings=[DILUTE]),
    ),
    # An IV push (ED, over 30-60 s [@green-2011]) has no infusion to compute, but the
    # undiluted strength is as wrong there as in an infusion.
    (
        f"{ED_IV} --concentration-mg-per-ml 100",
        on(70, dose_mg=70.0, dose_mg_per_kg=1.0, warnings=[DILUTE, NO_INFUSION]),
    ),
    (
        f"{ED_IV} --concentration-mg-per-ml 50",
        on(70, dose_mg=70.0, dose_mg_per_kg=1.0, warnings=[NO_INFUSION]),
    ),
    (
        f"{ED_IV} --route im --concentration-mg-per-ml 100",
        on(70, dose_mg=280.0, dose_mg_per_kg=4.0, warnings=[NO_INFUSION]),
    ),
]


@pytest.mark.parametrize(("argv", "fields"), CONCENTRATION)
def test_concentration_volume_and_the_dilution_warning(capsys, argv, fields):
    assert run_dose(capsys, argv)[:2] == (0, expected(argv, **fields))


TRD_SRC = source("iv-ketamine-trd")
LADDER = "is not a step of the titration ladder 0.5, 0.75, 1 mg/kg"


def trd(mg: float, per_kg: float, mg_per_h: float, **fields):
    return on(
        70, dose_mg=mg, dose_mg_per_kg=per_kg, bmi=22.9, infusion=infusion(40, mg_per_h), **fields
    )


# IV racemic ketamine for TRD: 0.5 mg/kg over 40 min, ladder 0.5 -> 0.75 -> 1.0 mg/kg
# [@fava-2018] [@cusin-2017]; below the floor only with a documented reason (0.1-0.5 mg/kg
# were used for tolerability [@george-2017] [@fava-2018]). 70 kg: 35 / 52.5 / 70 mg.
IV_TRD = [
    (TRD, 0, trd(35.0, 0.5, 52.5)),
    (f"{TRD} --step 1", 0, trd(35.0, 0.5, 52.5)),
    (f"{TRD} --step 2", 0, trd(52.5, 0.75, 78.8)),
    (f"{TRD} --step 3", 0, trd(70.0, 1.0, 105.0)),
    (f"{TRD} --mg-per-kg 1.0", 0, trd(70.0, 1.0, 105.0)),
    (
        f"{TRD} --mg-per-kg 1.01",
        1,
        trd(
            70.7,
            1.01,
            106.1,
            reasons=[f"1.01 mg/kg is outside the protocol's allowed range 0.5-1 mg/kg ({TRD_SRC})"],
        ),
    ),
    (f"{TRD} --dose-mg 70", 0, trd(70.0, 1.0, 105.0)),
    (
        f"{TRD} --dose-mg 70.1",
        1,
        trd(
            70.1,
            1.001,
            105.2,
            reasons=[
                f"1.001 mg/kg is outside the protocol's allowed range 0.5-1 mg/kg ({TRD_SRC})"
            ],
        ),
    ),
    (f"{TRD} --dose-mg 35", 0, trd(35.0, 0.5, 52.5)),
    (
        f"{TRD} --dose-mg 34.9",
        1,
        trd(
            34.9,
            0.499,
            52.4,
            reasons=[
                f"0.499 mg/kg is below the protocol's usual floor 0.5 mg/kg ({TRD_SRC}): a lower "
                "dose for tolerability needs a documented reason"
            ],
        ),
    ),
    (
        f"{TRD} --mg-per-kg 0.4 --reason 'nausea at 0.5'",
        0,
        trd(
            28.0,
            0.4,
            42.0,
            warnings=[
                "0.4 mg/kg is below the protocol's usual floor 0.5 mg/kg; reduced dose, reason "
                "given: nausea at 0.5"
            ],
        ),
    ),
    (
        f"{TRD} --mg-per-kg 0.6",
        1,
        trd(42.0, 0.6, 63.0, reasons=[f"0.6 mg/kg {LADDER} ({TRD_SRC})"]),
    ),
    (f"{TRD} --dose-mg 52.6", 1, trd(52.6, 0.751, 78.9, reasons=[f"52.6 mg {LADDER} ({TRD_SRC})"])),
]


@pytest.mark.parametrize(("argv", "status", "fields"), IV_TRD)
def test_iv_ketamine_for_trd(capsys, argv, status, fields):
    assert run_dose(capsys, argv)[:2] == (status, expected(argv, **fields))


# Weight basis [@sanacora-2017]: at BMI >= 30 the clinician chooses actual, ideal or adjusted
# weight and no dose is given before; BMI is judged as shown, to 0.1 (29.96 shows 30.0 and
# is held, the stricter reading). Devine ideal weight: 50 kg (men) or 45.5 kg (women) +
# 2.3 kg per inch over 60 in [@devine-1974]; adjusted = ideal + 0.4 x (actual - ideal); never
# a weight above the actual one [@clincalc-ibw]. 170 cm = 66.929 in.
BMI_HOLD = "the clinician must choose the weight basis (actual, ideal or adjusted) and document it"
AT_170 = "--protocol iv-ketamine-trd --height-cm 170"
SHORT = "--protocol iv-ketamine-trd --weight-kg 60 --height-cm"
TALL_LIGHT = "--protocol iv-ketamine-trd --weight-kg 45 --height-cm 180 --sex male"


def held(bmi: float):
    return dict(dose_mg_per_kg=0.5, bmi=bmi, reasons=[f"BMI {bmi} >= 30: {BMI_HOLD}"])


def above_actual(name: str, kg: str) -> str:
    return (
        f"{name} weight {kg} kg is above the actual weight 45 kg: the dose uses the actual "
        "weight 45 kg (never dose on a weight above the actual weight)"
    )


WEIGHT_BASIS = [
    (
        f"{AT_170} --weight-kg 86.4 --sex male",
        0,
        on(86.4, dose_mg=43.2, dose_mg_per_kg=0.5, bmi=29.9, infusion=infusion(40, 64.8)),
    ),
    (f"{AT_170} --weight-kg 86.6 --sex male", 1, held(30.0)),  # 29.965 shows 30.0
    (f"{AT_170} --weight-kg 86.7 --sex male", 1, held(30.0)),  # 30.0 exactly
    (
        f"{AT_170} --weight-kg 100 --sex male --weight-basis ideal",
        0,
        dict(
            dose_mg=33.0,
            dose_mg_per_kg=0.5,
            weight_basis="ideal",
            weight_used_kg=65.9,
            bmi=34.6,
            infusion=infusion(40, 49.5),
        ),
    ),
    (
        f"{AT_170} --weight-kg 100 --sex female --weight-basis adjusted",
        0,
        # 61.437 + 0.4 x 38.563 = 76.862 kg
        dict(
            dose_mg=38.5,
            dose_mg_per_kg=0.5,
            weight_basis="adjusted",
            weight_used_kg=76.9,
            bmi=34.6,
            infusion=infusion(40, 57.8),
        ),
    ),
    (
        f"{AT_170} --weight-kg 100 --sex female --weight-basis actual",
        0,
        on(100, dose_mg=50.0, dose_mg_per_kg=0.5, bmi=34.6, infusion=infusion(40, 75.0)),
    ),
    (
        f"{TALL_LIGHT} --weight-basis ideal",
        0,
        on(
            45,
            dose_mg=22.5,
            dose_mg_per_kg=0.5,
            bmi=13.9,
            infusion=infusion(40, 33.8),
            warnings=[above_actual("ideal", "75")],
        ),
    ),
    (
        f"{TALL_LIGHT} --weight-basis adjusted",
        0,
        on(
            45,
            dose_mg=22.5,
            dose_mg_per_kg=0.5,
            bmi=13.9,
            infusion=infusion(40, 33.8),
            warnings=[above_actual("adjusted", "63")],
        ),
    ),
    (
        f"{SHORT} 152.4 --sex male --weight-basis ideal",
        0,
        dict(
            dose_mg=25.0,
            dose_mg_per_kg=0.5,
            weight_basis="ideal",
            weight_used_kg=50.0,
            bmi=25.8,
            infusion=infusion(40, 37.5),
        ),
    ),
    # No height, no BMI: actual weight, with the prompt said.
    (
        "--protocol iv-ketamine-trd --weight-kg 82",
        0,
        on(82, dose_mg=41.0, dose_mg_per_kg=0.5, infusion=infusion(40, 61.5), warnings=[NO_BMI]),
    ),
    # Pounds are converted only when asked, by the exact 0.45359237 kg/lb, to 0.01 kg.
    (
        "--protocol iv-ketamine-trd --weight-lb 154",
        0,
        on(
            69.85,
            dose_mg=34.9,
            dose_mg_per_kg=0.5,
            infusion=infusion(40, 52.4),
            warnings=["weight entered as 154 lb = 69.85 kg", NO_BMI],
        ),
    ),
]


@pytest.mark.parametrize(("argv", "status", "fields"), WEIGHT_BASIS)
def test_the_weight_a_dose_is_calculated_on(capsys, argv, status, fields):
    assert run_dose(capsys, argv)[:2] == (status, expected(argv, **fields))


# Plausibility [@ismp-weight] (INSTITUTIONAL defaults): adult weight 30-250 kg and height
# 120-230 cm, outside refused (exit 2) unless confirmed; within 5 % of 2.2 x the last weight
# warns "entered in pounds?" (70 kg last: 146.3-161.7 kg).
ACTUAL = "--protocol iv-ketamine-trd --weight-basis actual"
OUTSIDE = "is outside the plausible adult range"


def pounds(kg: str) -> str:
    return (
        f"entered in pounds? {kg} kg is about 2.2 x the last recorded weight 70 kg: check the "
        "unit before dosing"
    )


PLAUSIBLE = [
    (
        f"{ACTUAL} --weight-kg 30",
        on(30, dose_mg=15.0, dose_mg_per_kg=0.5, infusion=infusion(40, 22.5)),
    ),
    (
        f"{ACTUAL} --weight-kg 250",
        on(250, dose_mg=125.0, dose_mg_per_kg=0.5, infusion=infusion(40, 187.5)),
    ),
    (
        f"{ACTUAL} --weight-kg 29.9 --confirm-weight",
        on(
            29.9,
            dose_mg=15.0,
            dose_mg_per_kg=0.5,
            infusion=infusion(40, 22.5),
            warnings=[f"weight 29.9 kg {OUTSIDE} 30-250 kg; confirmed by the clinician"],
        ),
    ),
    (
        f"{ACTUAL} --weight-kg 70 --height-cm 120",
        on(70, dose_mg=35.0, dose_mg_per_kg=0.5, bmi=48.6, infusion=infusion(40, 52.5)),
    ),
    (
        f"{ACTUAL} --weight-kg 70 --height-cm 230",
        on(70, dose_mg=35.0, dose_mg_per_kg=0.5, bmi=13.2, infusion=infusion(40, 52.5)),
    ),
    (
        f"{ACTUAL} --weight-kg 146.2 --last-weight-kg 70",
        on(146.2, dose_mg=73.1, dose_mg_per_kg=0.5, infusion=infusion(40, 109.7)),
    ),
    (
        f"{ACTUAL} --weight-kg 146.3 --last-weight-kg 70",
        on(
            146.3,
            dose_mg=73.2,
            dose_mg_per_kg=0.5,
            infusion=infusion(40, 109.8),
            warnings=[pounds("146.3")],
        ),
    ),
    (
        f"{ACTUAL} --weight-kg 161.7 --last-weight-kg 70",
        on(
            161.7,
            dose_mg=80.9,
            dose_mg_per_kg=0.5,
            infusion=infusion(40, 121.4),
            warnings=[pounds("161.7")],
        ),
    ),
    (
        f"{ACTUAL} --weight-kg 161.8 --last-weight-kg 70",
        on(161.8, dose_mg=80.9, dose_mg_per_kg=0.5, infusion=infusion(40, 121.4)),
    ),
]


@pytest.mark.parametrize(("argv", "fields"), PLAUSIBLE)
def test_plausible_weights_and_the_pounds_warning(capsys, argv, fields):
    assert run_dose(capsys, argv)[:2] == (0, expected(argv, **fields))


REFUSED = [
    (f"{ACTUAL} --weight-kg 29.9", f"--weight-kg: weight 29.9 kg {OUTSIDE} 30-250 kg"),
    (f"{ACTUAL} --weight-kg 250.1", f"--weight-kg: weight 250.1 kg {OUTSIDE} 30-250 kg"),
    (
        f"{ACTUAL} --weight-kg 70 --height-cm 119.9",
        f"--height-cm: height 119.9 cm {OUTSIDE} 120-230 cm",
    ),
    (
        f"{ACTUAL} --weight-kg 70 --height-cm 230.1",
        f"--height-cm: height 230.1 cm {OUTSIDE} 120-230 cm",
    ),
    # Devine is undefined below 60 in = 152.4 cm [@devine-1974] [@clincalc-ibw].
    (
        f"{SHORT} 152.3 --sex male --weight-basis ideal",
        "--weight-basis: 'ideal' is refused: the Devine ideal weight is undefined below 152.4 cm",
    ),
    (
        "--protocol iv-ketamine-trd --weight-kg 90 --weight-basis ideal",
        "--height-cm: is required for the ideal weight basis",
    ),
    (
        "--protocol iv-ketamine-trd --weight-kg 90 --height-cm 170 --weight-basis adjusted",
        "--sex: is required for the adjusted weight basis",
    ),
    (f"{TRD} --step 4", "--step: must be 1-3 (ladder [0.5, 0.75, 1.0])"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED)
def test_what_cannot_be_a_real_patient_is_refused_naming_the_field(capsys, argv, message):
    status, data, err = run_dose(capsys, argv)
    assert (status, data) == (2, None) and err.startswith(f"error: {message}")
