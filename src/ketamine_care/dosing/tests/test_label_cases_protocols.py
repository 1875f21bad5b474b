"""`ketamine-care dose --json` for each shipped protocol other than IV ketamine for TRD (in
`test_label_cases.py`): esketamine's fixed doses and devices, the other psychiatric
protocols, emergency and paediatric sedation. The whole JSON object of each case, at each
boundary; every case names its source.
"""

from __future__ import annotations

import pytest

from ketamine_care.protocols.library import load_definition

from .label_cases import (
    NO_BMI,
    RESEARCH,
    ages,
    below,
    expected,
    infusion,
    off_ladder,
    on,
    outside,
    run_dose,
    source,
)


def not_allowed(mg: int, allowed: str, protocol: str) -> str:
    return f"{mg} mg is not an allowed dose ({allowed} mg; {source(protocol)})"


ESK = "--protocol esketamine-trd-label"
MDSI = "--protocol esketamine-mdsi-label"
EU = f"{ESK} --jurisdiction EU"
EU_START = "EU label: patients 65 and older start at 28 mg (28, 56, 84 mg allowed)"
EU_SOURCE = load_definition("esketamine-trd-label").dose_rule().jurisdiction_starts[0].source

# Esketamine [@spravato-uspi §2]: TRD day 1 56 mg, then 56 or 84 mg; MDSI 84 mg, 56 mg for
# tolerability; 28 mg devices (1 = 28, 2 = 56, 3 = 84 mg). The US label starts at 56 mg at
# every age; the EU starts 65 and older at 28 mg, 28/56/84 mg after [@spravato-eu-smpc §4.2].
ESKETAMINE = [
    (ESK, 0, dict(dose_mg=56.0, devices=2)),
    (f"{ESK} --step 2", 0, dict(dose_mg=84.0, devices=3)),
    (f"{ESK} --dose-mg 84", 0, dict(dose_mg=84.0, devices=3)),
    (f"{ESK} --age-years 70", 0, dict(dose_mg=56.0, devices=2)),
    (
        f"{ESK} --dose-mg 28",
        1,
        dict(dose_mg=28.0, devices=1, reasons=[not_allowed(28, "56, 84", "esketamine-trd-label")]),
    ),
    (
        f"{ESK} --dose-mg 112",
        1,
        dict(
            dose_mg=112.0, devices=4, reasons=[not_allowed(112, "56, 84", "esketamine-trd-label")]
        ),
    ),
    (
        f"{ESK} --dose-mg 70",
        1,
        dict(
            dose_mg=70.0,
            reasons=[
                not_allowed(70, "56, 84", "esketamine-trd-label"),
                "70 mg is not a whole number of 28 mg devices",
            ],
        ),
    ),
    (
        f"{ESK} --age-years 17",
        1,
        dict(dose_mg=56.0, devices=2, reasons=[ages(17, "18 years and older")]),
    ),
    (
        f"{ESK} --weight-basis ideal",
        0,
        dict(
            dose_mg=56.0,
            devices=2,
            warnings=["weight basis ignored: this protocol doses in fixed mg"],
        ),
    ),
    (f"{EU} --age-years 64.9", 0, dict(dose_mg=56.0, devices=2)),
    (f"{EU} --age-years 65", 0, dict(dose_mg=28.0, devices=1, warnings=[EU_START])),
    (f"{EU} --age-years 65 --step 3", 0, dict(dose_mg=84.0, devices=3, warnings=[EU_START])),
    (
        f"{EU} --age-years 65 --dose-mg 112",
        1,
        dict(
            dose_mg=112.0,
            devices=4,
            warnings=[EU_START],
            reasons=[f"112 mg is not an allowed dose (28, 56, 84 mg; {EU_SOURCE})"],
        ),
    ),
    (MDSI, 0, dict(dose_mg=84.0, devices=3)),
    (f"{MDSI} --dose-mg 56", 0, dict(dose_mg=56.0, devices=2)),
    (
        f"{MDSI} --dose-mg 28",
        1,
        dict(dose_mg=28.0, devices=1, reasons=[not_allowed(28, "56, 84", "esketamine-mdsi-label")]),
    ),
]


@pytest.mark.parametrize(("argv", "status", "fields"), ESKETAMINE)
def test_esketamine_fixed_doses_and_devices(capsys, argv, status, fields):
    assert run_dose(capsys, argv)[:2] == (status, expected(argv, **fields))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            f"{EU}",
            "--age-years: is required under the EU label: the start dose differs from age 65",
        ),
        (
            f"{ESK} --mg-per-kg 0.5",
            "--mg-per-kg: esketamine-trd-label doses in fixed mg; use dose_mg/step",
        ),
    ],
)
def test_esketamine_refusals(capsys, argv, message):
    status, data, err = run_dose(capsys, argv)
    assert (status, data) == (2, None) and err == f"error: {message}\n"


W70 = "--weight-kg 70 --weight-basis actual"


def IV40(mg_per_h: float):  # noqa: N802 - reads as the constant it stands for
    """The 40-minute infusion of each IV protocol."""
    return infusion(40, mg_per_h)


# The other psychiatric protocols, at 70 kg: AUD 0.8 mg/kg over 40 min [@grabski-2022];
# bipolar depression [@diazgranados-2010], OCD [@rodriguez-2013], PTSD [@feder-2021] and
# suicidal ideation [@fava-2018] 0.5 mg/kg over 40 min; SC anxiety 0.25 -> 0.5 -> 1.0 mg/kg
# [@glue-2017]; SC late life 0.1 mg/kg (UNCONFIRMED start, no sourced maximum) from 60 years
# [@george-2017]; eating disorders: no sourced dose [@keeler-2021].
PSYCHIATRIC = [
    (f"--protocol iv-ketamine-aud {W70}", 0, on(70, 56.0, 0.8, infusion=IV40(84.0))),
    (
        f"--protocol iv-ketamine-aud {W70} --mg-per-kg 0.71",
        1,
        on(70, 49.7, 0.71, infusion=IV40(74.6), reasons=[below("0.71", "0.8", "iv-ketamine-aud")]),
    ),
    *[
        (f"--protocol {p} {W70}", 0, on(70, 35.0, 0.5, infusion=IV40(52.5)))
        for p in (
            "iv-ketamine-bipolar-depression",
            "iv-ketamine-ocd",
            "iv-ketamine-ptsd",
            "iv-ketamine-suicidal-ideation",
        )
    ],
    (
        f"--protocol iv-ketamine-ptsd {W70} --mg-per-kg 0.75",
        1,
        on(
            70,
            52.5,
            0.75,
            infusion=IV40(78.8),
            reasons=[outside("0.75", "0.5-0.5", "iv-ketamine-ptsd")],
        ),
    ),
    (f"--protocol sc-ketamine-anxiety {W70}", 0, on(70, 17.5, 0.25)),
    (f"--protocol sc-ketamine-anxiety {W70} --step 2", 0, on(70, 35.0, 0.5)),
    (f"--protocol sc-ketamine-anxiety {W70} --step 3", 0, on(70, 70.0, 1.0)),
    (
        f"--protocol sc-ketamine-anxiety {W70} --mg-per-kg 0.75",
        1,
        on(
            70,
            52.5,
            0.75,
            reasons=[off_ladder("0.75", "0.25, 0.5, 1", "sc-ketamine-anxiety")],
        ),
    ),
    (f"--protocol sc-ketamine-late-life {W70} --age-years 60", 0, on(70, 7.0, 0.1)),
    (
        f"--protocol sc-ketamine-late-life {W70} --age-years 59",
        1,
        on(70, 7.0, 0.1, reasons=[ages(59, "60 years and older")]),
    ),
    (
        f"--protocol sc-ketamine-late-life {W70} --mg-per-kg 0.2",
        1,
        on(
            70,
            14.0,
            0.2,
            reasons=[
                "0.2 mg/kg is above the starting dose 0.1 mg/kg and no published source gives a "
                "maximum: the clinic must set allowed_max and the titration ladder when "
                f"activating ({source('sc-ketamine-late-life')})"
            ],
        ),
    ),
    (
        "--protocol eating-disorders-research --weight-kg 50",
        1,
        dict(
            weight_basis="actual",
            weight_used_kg=50.0,
            warnings=[NO_BMI, RESEARCH],
            reasons=[
                "no default dose: the clinic must set it when activating the protocol "
                f"({source('eating-disorders-research')})"
            ],
        ),
    ),
]


@pytest.mark.parametrize(("argv", "status", "fields"), PSYCHIATRIC)
def test_the_other_psychiatric_protocols(capsys, argv, status, fields):
    assert run_dose(capsys, argv)[:2] == (status, expected(argv, **fields))
