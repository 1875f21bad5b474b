"""Age-banded vital-sign alerts for paediatric protocols (pure; no Django).

Children are never judged on adult lines: a normal two-year-old's heart rate of 150 is an
adult tachycardia, and an infant's respiratory rate of 12 is dangerous although an adult's
is not. The bands (heart rate, respiratory rate, hypotension line) come from the protocol
data, which cites the PALS normal ranges [@pals-2020]; this module only turns one band into
ThresholdRules:

* heart rate or respiratory rate outside the band: warning;
* respiratory rate below the band: urgent;
* systolic below the band's hypotension line (a fixed value, or base + per-year x age in
  completed years, e.g. 70 + 2 x age for 1-10 years): urgent;
* heart rate below the band with SpO2 below the protocol's hypoxia line: urgent (hypoxic
  bradycardia is the paediatric danger sign).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .alerts import Condition, ThresholdRule


class AgeError(ValueError):
    """The patient's age is missing or impossible for an age-banded protocol."""


@dataclass(frozen=True)
class AgeBand:
    """Normal ranges for ages in [min_age_years, below_age_years); /min and mmHg."""

    label: str
    min_age_years: float
    below_age_years: float
    hr_min: float
    hr_max: float
    rr_min: float
    rr_max: float
    sbp_below: float | None = None
    sbp_below_base: float | None = None
    sbp_below_per_year: float | None = None

    def hypotension_line(self, age_years: float) -> float:
        """Systolic below which the child is hypotensive at `age_years`."""
        if self.sbp_below is not None:
            return self.sbp_below
        if self.sbp_below_base is None or self.sbp_below_per_year is None:
            raise ValueError(f"band {self.label!r} has no hypotension line")
        return self.sbp_below_base + self.sbp_below_per_year * math.floor(age_years)


@dataclass(frozen=True)
class PaediatricVitals:
    """The protocol's band table, its hypoxia line (SpO2 %) and provenance."""

    bands: tuple[AgeBand, ...]
    hypoxia_spo2_below: float
    source: str
    evidence: str = "GUIDELINE"

    def band_for(self, age_years: float | None) -> AgeBand:
        """The band holding `age_years`. Past the table's end the oldest band applies: its
        lines are stricter than the adult ones, so a patient who turned 18 during a
        paediatric protocol is never judged more loosely."""
        if age_years is None:
            raise AgeError("the patient's age is required for this protocol's age bands")
        if not math.isfinite(age_years) or age_years < 0:
            raise AgeError(f"age {age_years!r} years is not possible")
        ordered = sorted(self.bands, key=lambda band: band.min_age_years)
        for band in ordered:
            if band.min_age_years <= age_years < band.below_age_years:
                return band
        if ordered and age_years >= ordered[-1].below_age_years:
            return ordered[-1]
        raise AgeError(f"no age band holds {age_years:g} years")


def rules_for_age(vitals: PaediatricVitals, age_years: float | None) -> tuple[ThresholdRule, ...]:
    """The alert rules of the band holding `age_years` (see the module docstring)."""
    band = vitals.band_for(age_years)
    assert age_years is not None  # band_for refuses None
    sbp_line = band.hypotension_line(age_years)
    span = f"age {band.label}"

    def rule(rule_id, conditions, tier, message, action, match="any"):
        return ThresholdRule(
            rule=rule_id,
            phase="any",
            conditions=tuple(Condition(*c) for c in conditions),
            tier=tier,
            message=message,
            action=action,
            source=vitals.source,
            evidence=vitals.evidence,
            match=match,
        )

    recheck = "Recheck now and watch closely; tell the prescriber."
    airway = (
        "Check airway and breathing, stimulate, give oxygen per clinic policy, call the prescriber."
    )
    hr_range = f"{band.hr_min:g}-{band.hr_max:g} /min"
    rr_range = f"{band.rr_min:g}-{band.rr_max:g} /min"
    return (
        rule(
            "paed_hr_below_band",
            [("heart_rate", "lt", band.hr_min)],
            "warning",
            f"Heart rate below the normal range for {span} ({hr_range}).",
            recheck + " Check SpO2: bradycardia with low SpO2 is an emergency.",
        ),
        rule(
            "paed_hr_above_band",
            [("heart_rate", "gt", band.hr_max)],
            "warning",
            f"Heart rate above the normal range for {span} ({hr_range}).",
            recheck,
        ),
        rule(
            "paed_rr_above_band",
            [("respiratory_rate", "gt", band.rr_max)],
            "warning",
            f"Respiratory rate above the normal range for {span} ({rr_range}).",
            recheck,
        ),
        rule(
            "paed_rr_below_band",
            [("respiratory_rate", "lt", band.rr_min)],
            "urgent",
            f"Respiratory rate below the normal range for {span} ({rr_range}).",
            airway,
        ),
        rule(
            "paed_sbp_below_hypotension_line",
            [("bp_systolic", "lt", sbp_line)],
            "urgent",
            f"Systolic BP below {sbp_line:g} mmHg: hypotension for {span}.",
            "Lay the child flat, check perfusion and the cuff size, call the prescriber now.",
        ),
        rule(
            "paed_hypoxic_bradycardia",
            [
                ("heart_rate", "lt", band.hr_min),
                ("spo2", "lt", vitals.hypoxia_spo2_below),
            ],
            "urgent",
            f"Bradycardia (below {band.hr_min:g} /min) with SpO2 below "
            f"{vitals.hypoxia_spo2_below:g} %: hypoxic bradycardia.",
            "Open the airway and ventilate with oxygen now; call for help and the prescriber.",
            match="all",
        ),
    )
