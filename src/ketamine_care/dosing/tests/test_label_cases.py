"""`ketamine-care dose --json` against the labels and the protocols' sources, case by case: the
whole JSON object each command line prints, at each boundary (just below, at, just above).

Every case names its source. Weights and heights are test data; the 70 kg, 175 cm man has a
BMI of 22.9, so his dose needs no weight-basis choice.
"""

from __future__ import annotations

import pytest

from .label_cases import DILUTE, NO_INFUSION, expected, infusion, run_dose

MAN = "--weight-kg 70 --height-cm 175 --sex male"
TRD = f"--protocol iv-ketamine-trd {MAN}"
ED_IV = "--protocol ed-procedural-sedation --weight-kg 70 --weight-basis actual"


def on(weight: float, **fields):
    """The fields of a dose on the actual weight `weight` kg."""
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
