"""The liver tests a surveillance check records: LOINC codes and UCUM units (pure).

Each code was checked against published LOINC value sets and carries a valid LOINC check
digit (`check_digit_ok`, the LOINC mod-10 rule) [@loinc]. Units are UCUM codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabTest:
    key: str
    loinc: str
    name: str  # LOINC long common name
    short: str  # what the clinic calls it
    units: tuple[str, ...]  # UCUM; the first is the default


LIVER_TESTS: tuple[LabTest, ...] = (
    LabTest(
        "alt",
        "1742-6",
        "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        "ALT",
        ("U/L",),
    ),
    LabTest(
        "ast",
        "1920-8",
        "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        "AST",
        ("U/L",),
    ),
    LabTest(
        "alp",
        "6768-6",
        "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma",
        "ALP",
        ("U/L",),
    ),
    LabTest(
        "bilirubin",
        "1975-2",
        "Bilirubin.total [Mass/volume] in Serum or Plasma",
        "Total bilirubin",
        ("mg/dL", "umol/L"),
    ),
    LabTest(
        "ggt",
        "2324-2",
        "Gamma glutamyl transferase [Enzymatic activity/volume] in Serum or Plasma",
        "GGT",
        ("U/L",),
    ),
)
BY_KEY = {test.key: test for test in LIVER_TESTS}
BY_LOINC = {test.loinc: test for test in LIVER_TESTS}
LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"


def check_digit_ok(code: str) -> bool:
    """Whether a LOINC code's digit after the hyphen is its mod-10 check digit."""
    number, _, digit = code.partition("-")
    if not (number.isdigit() and digit.isdigit() and len(digit) == 1):
        return False
    reversed_digits = number[::-1]
    doubled = str(int(reversed_digits[0::2][::-1]) * 2)
    total = sum(map(int, doubled)) + sum(map(int, reversed_digits[1::2]))
    return (10 - total % 10) % 10 == int(digit)
