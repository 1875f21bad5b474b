"""Safety guards around a weight-based dose (pure; no Django).

- Ideal and adjusted body weight are obesity corrections: a dose is never calculated on a
  weight above the actual weight [@clincalc-ibw] [@sanacora-2017].
- Children dose on actual weight only: Devine is undefined in children and below 60 inches
  (152.4 cm) [@devine-1974] [@clincalc-ibw].
- Implausible adult weights and heights need the clinician's confirmation, and a weight about
  2.2 x the last one may have been entered in pounds [@ismp-weight] (institutional limits in
  `data/weight_plausibility.json`, or the protocol's own `weight_plausibility`). There are no
  paediatric limits: a child's weight or height above the adult maximum needs the same
  confirmation, since what no adult can weigh no child can.
- A patient whose known age is outside the protocol's ages is blocked until the clinician
  documents a reason (screening excludes such a patient or asks for an override); below an
  age the protocol marks absolute (under 3 months [@green-2011]) no reason lifts the block,
  and on such a protocol an unknown age is blocked until it is entered (fail safe).
- A clinic-set absolute mg ceiling per dose needs a documented reason to cross.

Every number comes from the protocol definition or the shipped data file.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources

from ketamine_care.core.ages import age_text
from ketamine_care.dosing.weights import (
    DEVINE_BASE_INCHES,
    WEIGHT_BASES,
    DoseInputError,
    check_basis_inputs,
    height_inches,
)
from ketamine_care.protocols.definition import DoseRule, ProtocolDefinition, WeightPlausibility

ADULT_AGE_YEARS = 18
PAEDIATRIC_POPULATIONS = frozenset({"paediatric", "adolescent"})
JURISDICTIONS: tuple[str, ...] = ("US", "EU")


@cache
def default_plausibility() -> WeightPlausibility:
    text = resources.files("ketamine_care.dosing.data").joinpath("weight_plausibility.json")
    return WeightPlausibility.model_validate(json.loads(text.read_text(encoding="utf-8")))


def plausibility_for(definition: ProtocolDefinition) -> WeightPlausibility:
    return definition.weight_plausibility or default_plausibility()


def is_paediatric(definition: ProtocolDefinition, age_years: float | None) -> bool:
    """A paediatric protocol, or a patient known to be under 18, is dosed as a child."""
    if definition.population in PAEDIATRIC_POPULATIONS:
        return True
    return age_years is not None and age_years < ADULT_AGE_YEARS


def check_age(age_years: float | None) -> None:
    if age_years is None:
        return
    try:
        number = Decimal(str(age_years))
    except ArithmeticError as exc:
        raise DoseInputError("age_years", f"{age_years!r} is not a number") from exc
    if not number.is_finite() or number < 0 or number > 130:
        raise DoseInputError("age_years", f"must be between 0 and 130 (got {age_years})")


# What to enter when the age is unknown, unless the caller names its own field or record.
ENTER_THE_AGE = "the patient's age"


def age_outside(
    definition: ProtocolDefinition,
    age_years: float | None,
    reason: str | None,
    *,
    enter_age: str = ENTER_THE_AGE,
) -> tuple[str | None, str | None]:
    """(warning, block reason) for an age outside the protocol's ages.

    Ages count completed years: a maximum of 17 covers the patient until the 18th birthday.
    A bound the protocol marks absolute (ACEP: under 3 months [@green-2011]) blocks whatever
    reason is given. Fail safe: an unknown age on a protocol with an absolute bound is
    blocked too, asking for `enter_age` (what the caller's user enters: `--age-years`, the
    date of birth); on any other protocol it passes here, and the other guards then treat
    the patient as the protocol's population."""
    low, high = definition.min_age_years, definition.max_age_years
    if age_years is None:
        return None, _unknown_age(definition, enter_age)
    below, above = low is not None and age_years < low, high is not None and age_years >= high + 1
    if not (below or above):
        return None, None
    outside = f"age {age_text(age_years)} is outside this protocol's ages ({_ages(low, high)})"
    absolute = _absolute_bound(definition, below=below)
    if absolute:
        return None, f"{outside}: {absolute}"
    if reason:
        return f"{outside}; reason given: {reason}", None
    return None, f"{outside}: give a reason to dose outside them"


def _absolute(definition: ProtocolDefinition, end: str) -> tuple[str, str] | None:
    """(the bound as a clinician says it, its source) when the protocol marks its `end`
    ("min" or "max") age absolute; None when a reason lifts it."""
    source = getattr(definition, f"{end}_age_source")
    if not getattr(definition, f"{end}_age_absolute") or source is None:
        return None
    return age_text(getattr(definition, f"{end}_age_years")), source.source


def _absolute_bound(definition: ProtocolDefinition, *, below: bool) -> str | None:
    """Why the bound crossed is absolute, with its source; None when a reason lifts it."""
    absolute = _absolute(definition, "min" if below else "max")
    if absolute is None:
        return None
    bound, source = absolute
    side = "under" if below else "over"
    return (
        f"an age {side} {bound} is an absolute contraindication; no reason lifts "
        f"this block ({source})"
    )


def _unknown_age(definition: ProtocolDefinition, enter_age: str) -> str | None:
    """Why an unknown age is blocked: each absolute bound it may be on the wrong side of,
    with its source; None when the protocol has none (no reason lifts this block either)."""
    bounds = []
    for end, word, side in (("min", "minimum", "below"), ("max", "maximum", "above")):
        absolute = _absolute(definition, end)
        if absolute is None:
            continue
        bound, source = absolute
        bounds.append(
            f"this protocol's {word} age ({bound}) is an absolute contraindication {side} it "
            f"({source})"
        )
    if not bounds:
        return None
    return f"age unknown: {'; '.join(bounds)}; enter {enter_age}"


def _ages(low: float | None, high: float | None) -> str:
    if high is None:
        return f"{age_text(low)} and older"
    if low is None:
        return f"up to {age_text(high)}"
    if low >= 2:
        return f"{low:g} to {age_text(high)}"
    return f"{age_text(low)} to {age_text(high)}"


def check_basis_allowed(basis: str | None, *, paediatric: bool, height_cm: float | None) -> None:
    """Refuse ideal/adjusted weight where the Devine formula is undefined."""
    if basis not in ("ideal", "adjusted"):
        return
    if paediatric:
        raise DoseInputError(
            "weight_basis",
            f"'{basis}' is refused: paediatric protocols (age under 18) dose on actual weight only",
        )
    if height_cm is not None and height_inches(height_cm) < DEVINE_BASE_INCHES:
        raise DoseInputError(
            "weight_basis",
            f"'{basis}' is refused: the Devine ideal weight is undefined below 152.4 cm "
            f"(60 in; height {height_cm:g} cm); dose on actual weight",
        )


def check_basis_chosen(
    basis: str, *, paediatric: bool, height_cm: float | None, sex: str | None
) -> None:
    """Every refusal of a chosen weight basis that does not depend on the weight, in the
    calculator's order: a basis it does not know, ideal or adjusted weight for a child or
    below 152.4 cm, then without the height or the sex they need. A basis can so be refused
    before today's weight is known (the session's pre-session checks)."""
    if basis not in WEIGHT_BASES:
        raise DoseInputError("weight_basis", f"must be one of {', '.join(WEIGHT_BASES)}")
    check_basis_allowed(basis, paediatric=paediatric, height_cm=height_cm)
    check_basis_inputs(basis, height_cm, sex)


def cap_to_actual(basis: str, used: Decimal, actual: Decimal) -> tuple[str, Decimal, str | None]:
    """Never dose on a weight above the actual weight: (basis, weight, warning or None)."""
    if basis == "actual" or used <= actual:
        return basis, used, None
    name = "ideal" if basis == "ideal" else "adjusted"
    warning = (
        f"{name} weight {_fmt(used)} kg is above the actual weight {_fmt(actual)} kg: the dose "
        f"uses the actual weight {_fmt(actual)} kg (never dose on a weight above the actual "
        "weight)"
    )
    return "actual", actual, warning


def check_plausibility(
    limits: WeightPlausibility,
    *,
    weight_kg: float | None,
    height_cm: float | None,
    paediatric: bool,
    confirmed: bool,
) -> list[str]:
    """Adult weight/height outside the limits: refused unless confirmed (then a warning).

    A child is held to the adult maxima only: there are no paediatric minima to hold them to."""
    warnings: list[str] = []
    for field, value, (lo, hi), unit in (
        ("weight_kg", weight_kg, limits.adult_weight_kg, "kg"),
        ("height_cm", height_cm, limits.adult_height_cm, "cm"),
    ):
        if value is None or value <= hi and (paediatric or lo <= value):
            continue
        label = field.split("_")[0]
        if paediatric:
            what = f"{label} {value:g} {unit} is above the plausible adult maximum {hi:g} {unit}"
        else:
            what = (
                f"{label} {value:g} {unit} is outside the plausible adult range "
                f"{lo:g}-{hi:g} {unit}"
            )
        if not confirmed:
            raise DoseInputError(field, f"{what}: check it, then confirm the weight to go on")
        warnings.append(f"{what}; confirmed by the clinician")
    return warnings


def pounds_warning(
    limits: WeightPlausibility, *, weight_kg: float | None, last_weight_kg: float | None
) -> str | None:
    """A weight within the tolerance of 2.2 x the last recorded weight was likely in pounds."""
    if weight_kg is None or last_weight_kg is None or last_weight_kg <= 0:
        return None
    expected = Decimal(str(limits.pounds_factor)) * Decimal(str(last_weight_kg))
    tolerance = expected * Decimal(str(limits.pounds_tolerance_percent)) / 100
    if abs(Decimal(str(weight_kg)) - expected) > tolerance:
        return None
    return (
        f"entered in pounds? {weight_kg:g} kg is about {limits.pounds_factor:g} x the last "
        f"recorded weight {last_weight_kg:g} kg: check the unit before dosing"
    )


def ceiling_check(
    rule: DoseRule, dose_mg: Decimal | None, reason: str | None
) -> tuple[str | None, str | None]:
    """(warning, block reason) for the clinic's absolute mg ceiling per dose."""
    ceiling = rule.ceiling.mg if rule.ceiling else None
    if ceiling is None or dose_mg is None or dose_mg <= Decimal(str(ceiling)):
        return None, None
    over = f"{_fmt(dose_mg)} mg is above the clinic's ceiling of {ceiling:g} mg per dose"
    if reason:
        return f"{over}; reason given: {reason}", None
    return None, f"{over}: give a reason to go above it"


def warn_above(rule: DoseRule, mg_per_kg: Decimal | None) -> str | None:
    line = rule.warn_above
    if line is None or mg_per_kg is None or mg_per_kg <= Decimal(str(line.mg_per_kg)):
        return None
    return f"{_fmt(mg_per_kg)} mg/kg is above {line.mg_per_kg:g} mg/kg: {line.message}"


def check_jurisdiction(jurisdiction: str) -> str:
    if jurisdiction not in JURISDICTIONS:
        raise DoseInputError(
            "jurisdiction", f"must be one of {', '.join(JURISDICTIONS)} (got {jurisdiction!r})"
        )
    return jurisdiction


def jurisdiction_start(rule: DoseRule, jurisdiction: str, age_years: float | None):
    """The label start that applies to this patient in this jurisdiction, or None.

    Fail safe: when a start depends on age and the age is unknown, refuse (exit 2)."""
    starts = [s for s in rule.jurisdiction_starts if s.jurisdiction == jurisdiction]
    if not starts:
        return None
    if age_years is None:
        ages = ", ".join(f"{s.min_age_years:g}" for s in starts)
        raise DoseInputError(
            "age_years",
            f"is required under the {jurisdiction} label: the start dose differs from age {ages}",
        )
    matching = [s for s in starts if age_years >= s.min_age_years]
    return max(matching, key=lambda s: s.min_age_years) if matching else None


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
