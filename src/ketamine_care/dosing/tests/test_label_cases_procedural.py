"""`ketamine-care dose --json` for emergency, paediatric and adolescent protocols: the whole
JSON object of each case at each boundary (ranges, repeat doses, caps, ages); every case
names its source.
"""

from __future__ import annotations

import pytest

from ketamine_care.protocols.library import list_protocol_ids, load_definition

from .label_cases import (
    RESEARCH,
    absolute_age,
    ages,
    below,
    expected,
    infusion,
    on,
    outside,
    outside_repeat,
    run_dose,
    unknown_age,
)
from .test_label_cases import CONCENTRATION, IV_TRD, PLAUSIBLE, WEIGHT_BASIS
from .test_label_cases_protocols import ESKETAMINE, PSYCHIATRIC

ED = "--protocol ed-procedural-sedation --weight-kg 70 --weight-basis actual"
ED_IM = f"{ED} --route im"
EDP = "ed-procedural-sedation"
NO_REPEAT_DOSE = "give the repeat dose with --mg-per-kg or --dose-mg"

# Adult procedural sedation [@green-2011]: IV 1.0 mg/kg over 30-60 s, repeat 0.5-1 mg/kg
# every 5-10 min; IM 4-5 mg/kg, one repeat of 2-4 mg/kg after 5-10 min. 70 kg.
EMERGENCY = [
    (ED, 0, on(70, 70.0, 1.0)),
    (f"{ED} --mg-per-kg 1.1", 1, on(70, 77.0, 1.1, reasons=[outside("1.1", "1-1", EDP)])),
    (f"{ED} --mg-per-kg 0.9", 1, on(70, 63.0, 0.9, reasons=[below("0.9", "1", EDP)])),
    (f"{ED} --repeat", 1, on(70, None, None, reasons=[NO_REPEAT_DOSE])),
    (f"{ED} --repeat --mg-per-kg 0.5", 0, on(70, 35.0, 0.5)),
    (f"{ED} --repeat --mg-per-kg 1", 0, on(70, 70.0, 1.0)),
    (
        f"{ED} --repeat --mg-per-kg 0.4",
        1,
        on(70, 28.0, 0.4, reasons=[outside_repeat("0.4", "0.5-1", EDP, "iv")]),
    ),
    (
        f"{ED} --repeat --mg-per-kg 1.1",
        1,
        on(70, 77.0, 1.1, reasons=[outside_repeat("1.1", "0.5-1", EDP, "iv")]),
    ),
    (ED_IM, 0, on(70, 280.0, 4.0)),
    (f"{ED_IM} --mg-per-kg 5", 0, on(70, 350.0, 5.0)),
    (f"{ED_IM} --mg-per-kg 5.1", 1, on(70, 357.0, 5.1, reasons=[outside("5.1", "4-5", EDP, "im")])),
    (f"{ED_IM} --mg-per-kg 3.9", 1, on(70, 273.0, 3.9, reasons=[below("3.9", "4", EDP, "im")])),
    (f"{ED_IM} --repeat --mg-per-kg 2", 0, on(70, 140.0, 2.0)),
    (f"{ED_IM} --repeat --mg-per-kg 4", 0, on(70, 280.0, 4.0)),
    (
        f"{ED_IM} --repeat --mg-per-kg 1.9",
        1,
        on(70, 133.0, 1.9, reasons=[outside_repeat("1.9", "2-4", EDP, "im")]),
    ),
    (
        f"{ED_IM} --repeat --mg-per-kg 4.1",
        1,
        on(70, 287.0, 4.1, reasons=[outside_repeat("4.1", "2-4", EDP, "im")]),
    ),
]

AGITATION = "--protocol ed-severe-agitation --weight-basis actual --weight-kg"
INTUBATION = "a high intubation rate was seen at 5 mg/kg"
CAP_SOURCE = load_definition("ed-severe-agitation").dose_rule().max_single_dose_source.source

# Severe agitation: 4-5 mg/kg IM [@cole-2016], warning above 4 mg/kg (high intubation rate at
# 5 mg/kg), maximum single dose 500 mg [@wjem-2020-ed-ketamine]. The cap lowers the dose and
# says so; 125 kg x 4 mg/kg is 500 mg exactly.
SEVERE_AGITATION = [
    (f"{AGITATION} 100", 0, on(100, 400.0, 4.0)),
    (
        f"{AGITATION} 100 --mg-per-kg 4.1",
        0,
        on(100, 410.0, 4.1, warnings=[f"4.1 mg/kg is above 4 mg/kg: {INTUBATION}"]),
    ),
    (
        f"{AGITATION} 100 --mg-per-kg 5",
        0,
        on(100, 500.0, 5.0, warnings=[f"5 mg/kg is above 4 mg/kg: {INTUBATION}"]),
    ),
    (
        f"{AGITATION} 100 --mg-per-kg 5.1",
        1,
        on(100, 510.0, 5.1, reasons=[outside("5.1", "4-5", "ed-severe-agitation")]),
    ),
    (f"{AGITATION} 125", 0, on(125, 500.0, 4.0)),
    (
        f"{AGITATION} 125.1",
        0,
        on(
            125.1,
            500.0,
            3.997,
            warnings=[
                "calculated 500.4 mg exceeds the protocol maximum single dose; capped at "
                f"500 mg ({CAP_SOURCE})"
            ],
        ),
    ),
]

NO_AGE = "--protocol pediatric-procedural-sedation --weight-kg 20"
CHILD = f"{NO_AGE} --age-years 5"
PPS = "pediatric-procedural-sedation"

# Children [@green-2011]: IV 1.5-2.0 mg/kg, repeat 0.5-1 mg/kg; IM 4-5 mg/kg; from 3 months
# (younger is an absolute contraindication, so an unknown age is blocked too, whatever the
# reason) to 17 years; actual weight only, no adult minima.
PAEDIATRIC = [
    (CHILD, 0, on(20, 30.0, 1.5)),
    (NO_AGE, 1, on(20, 30.0, 1.5, reasons=[unknown_age(PPS)])),
    (f"{NO_AGE} --reason 'x'", 1, on(20, 30.0, 1.5, reasons=[unknown_age(PPS)])),
    (f"{NO_AGE} --route im", 1, on(20, 80.0, 4.0, reasons=[unknown_age(PPS)])),
    (f"{CHILD} --mg-per-kg 2", 0, on(20, 40.0, 2.0)),
    (f"{CHILD} --mg-per-kg 2.1", 1, on(20, 42.0, 2.1, reasons=[outside("2.1", "1.5-2", PPS)])),
    (f"{CHILD} --mg-per-kg 1.4", 1, on(20, 28.0, 1.4, reasons=[below("1.4", "1.5", PPS)])),
    (f"{CHILD} --repeat --mg-per-kg 1", 0, on(20, 20.0, 1.0)),
    (
        f"{CHILD} --repeat --mg-per-kg 1.1",
        1,
        on(20, 22.0, 1.1, reasons=[outside_repeat("1.1", "0.5-1", PPS, "iv")]),
    ),
    (f"{CHILD} --route im", 0, on(20, 80.0, 4.0)),
    (f"{CHILD} --route im --mg-per-kg 5", 0, on(20, 100.0, 5.0)),
    (
        f"{CHILD} --route im --mg-per-kg 5.1",
        1,
        on(20, 102.0, 5.1, reasons=[outside("5.1", "4-5", PPS, "im")]),
    ),
    ("--protocol pediatric-procedural-sedation --weight-kg 3 --age-years 0.25", 0, on(3, 4.5, 1.5)),
    (
        "--protocol pediatric-procedural-sedation --weight-kg 3 --age-years 0.24",
        1,
        on(3, 4.5, 1.5, reasons=[absolute_age(0.24, "3 months to 17 years", PPS)]),
    ),
    (
        "--protocol pediatric-procedural-sedation --weight-kg 3 --age-years 0.24 --reason 'x'",
        1,
        on(3, 4.5, 1.5, reasons=[absolute_age(0.24, "3 months to 17 years", PPS)]),
    ),
    (
        "--protocol pediatric-procedural-sedation --weight-kg 3 --age-years 0.25 --reason 'x'",
        0,
        on(3, 4.5, 1.5),
    ),
    (f"{NO_AGE} --age-years 17.9", 0, on(20, 30.0, 1.5)),
    (f"{NO_AGE} --age-years 18", 1, on(20, 30.0, 1.5, reasons=[ages(18, "3 months to 17 years")])),
]

TEEN = "--protocol iv-ketamine-adolescent-research --weight-kg"
TEEN_CAP = load_definition("iv-ketamine-adolescent-research").dose_rule().max_single_dose_source


def teen(weight: float, mg: float, per_kg: float, *warnings: str, reasons=()):
    return on(
        weight,
        mg,
        per_kg,
        infusion=infusion(40, mg * 1.5),
        warnings=[*warnings, RESEARCH],
        reasons=list(reasons),
    )


# Adolescents (research only): 0.5 mg/kg over 40 min [@dwyer-2021] [@cullen-2018], ages
# 12-17; one trial capped a single dose at 40 mg (INSTITUTIONAL) [@ketamine-care-defaults].
ADOLESCENT = [
    (f"{TEEN} 60 --age-years 16", 0, teen(60, 30.0, 0.5)),
    # No absolute age bound here: an unknown age is not blocked (screening asks for it).
    (f"{TEEN} 60", 0, teen(60, 30.0, 0.5)),
    (f"{TEEN} 80 --age-years 16", 0, teen(80, 40.0, 0.5)),
    (
        f"{TEEN} 80.2 --age-years 16",
        0,
        teen(
            80.2,
            40.0,
            0.499,
            "calculated 40.1 mg exceeds the protocol maximum single dose; capped at 40 mg "
            f"({TEEN_CAP.source})",
        ),
    ),
    (f"{TEEN} 100 --age-years 16 --dose-mg 40", 0, teen(100, 40.0, 0.4)),
    (f"{TEEN} 60 --age-years 12", 0, teen(60, 30.0, 0.5)),
    (f"{TEEN} 60 --age-years 17.9", 0, teen(60, 30.0, 0.5)),
    (f"{TEEN} 60 --age-years 11.9", 1, teen(60, 30.0, 0.5, reasons=[ages(11.9, "12 to 17 years")])),
    (f"{TEEN} 60 --age-years 18", 1, teen(60, 30.0, 0.5, reasons=[ages(18, "12 to 17 years")])),
]

PROCEDURAL = [*EMERGENCY, *SEVERE_AGITATION, *PAEDIATRIC, *ADOLESCENT]


@pytest.mark.parametrize(("argv", "status", "fields"), PROCEDURAL)
def test_emergency_paediatric_and_adolescent_doses(capsys, argv, status, fields):
    assert run_dose(capsys, argv)[:2] == (status, expected(argv, **fields))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            f"{CHILD} --weight-basis ideal --height-cm 110 --sex male",
            "--weight-basis: 'ideal' is refused: paediatric protocols (age under 18) dose on "
            "actual weight only",
        ),
        (
            "--protocol iv-ketamine-trd --weight-kg 60 --height-cm 165 --sex male "
            "--age-years 17 --weight-basis adjusted",
            "--weight-basis: 'adjusted' is refused: paediatric protocols (age under 18) dose on "
            "actual weight only",
        ),
        (
            "--protocol pediatric-procedural-sedation --weight-kg 250.1",
            "--weight-kg: weight 250.1 kg is above the plausible adult maximum 250 kg",
        ),
        (f"{ED} --route sc", "--route: 'sc' is not a route of ed-procedural-sedation (iv, im)"),
        ("--protocol ed-severe-agitation --weight-kg 70 --repeat --mg-per-kg 2", "--repeat:"),
    ],
)
def test_children_dose_on_actual_weight_and_refusals_name_the_field(capsys, argv, message):
    status, data, err = run_dose(capsys, argv)
    assert (status, data) == (2, None) and err.startswith(f"error: {message}")


def test_every_shipped_protocol_has_its_cases():
    tables = [CONCENTRATION, IV_TRD, WEIGHT_BASIS, PLAUSIBLE, ESKETAMINE, PSYCHIATRIC, PROCEDURAL]
    covered = {case[0].split()[1] for table in tables for case in table}
    assert covered == set(list_protocol_ids())
