"""A protocol's dose rule applied to one dose being assembled (pure; no Django): the
weight-based dose (mg/kg range, titration ladder, repeat doses), the fixed dose (allowed mg,
esketamine devices) and the maximum single dose. `calculator.py` drives them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ketamine_care.dosing.weights import DoseInputError, WeightBasis, round_to
from ketamine_care.protocols.definition import DoseRule, JurisdictionStart, ProtocolDefinition

# Ladder and explicit-mg matching tolerate the 0.1 mg display rounding and no more.
MG_TOLERANCE = Decimal("0.05")


@dataclass
class DoseDraft:
    """Mutable working state while one dose is assembled."""

    dose_mg: Decimal | None = None
    mg_per_kg: Decimal | None = None
    basis: WeightBasis | None = None
    weight_used: Decimal | None = None
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    # The clinician's documented reason for a dose below the floor or above the ceiling.
    reason: str | None = None

    def add(self, warning: str | None, block: str | None) -> None:
        """A guard's verdict: a warning to show, or a reason the dose is blocked."""
        if warning:
            self.warnings.append(warning)
        if block:
            self.reasons.append(block)


def _ladder_value(rule: DoseRule, step: int) -> Decimal:
    ladder = rule.titration_ladder
    if not ladder:
        raise DoseInputError("step", "this protocol has no titration ladder")
    if step > len(ladder):
        raise DoseInputError("step", f"must be 1-{len(ladder)} (ladder {ladder})")
    return Decimal(str(ladder[step - 1]))


def weight_dose(
    rule: DoseRule,
    draft: DoseDraft,
    *,
    step: int | None,
    dose_mg: float | None,
    mg_per_kg: float | None,
    repeat: bool,
) -> None:
    weight = draft.weight_used
    if step is not None:
        draft.mg_per_kg = _ladder_value(rule, step)
    elif mg_per_kg is not None:
        draft.mg_per_kg = Decimal(str(mg_per_kg))
    elif dose_mg is None and rule.default is not None and not repeat:
        draft.mg_per_kg = Decimal(str(rule.default))
    elif dose_mg is None:
        draft.reasons.append(_no_default_reason(rule, repeat))
        return
    if weight is None:
        return
    if dose_mg is not None:
        draft.dose_mg = round_to(Decimal(str(dose_mg)), "0.1")
        draft.mg_per_kg = round_to(draft.dose_mg / weight, "0.001")
    else:
        draft.dose_mg = round_to(draft.mg_per_kg * weight, "0.1")
    _check_mg_per_kg(rule, draft, explicit_mg=dose_mg is not None, repeat=repeat)


def _no_default_reason(rule: DoseRule, repeat: bool) -> str:
    if repeat:
        return "give the repeat dose with --mg-per-kg or --dose-mg"
    return f"no default dose: the clinic must set it when activating the protocol ({rule.source})"


def _check_mg_per_kg(rule: DoseRule, draft: DoseDraft, *, explicit_mg: bool, repeat: bool) -> None:
    """Block doses outside the allowed range or off the titration ladder."""
    weight, dose = draft.weight_used, draft.dose_mg
    if repeat:
        if rule.repeat is None:
            raise DoseInputError("repeat", "this protocol has no repeat-dose rule")
        lo, hi = Decimal(str(rule.repeat.min_mg_per_kg)), Decimal(str(rule.repeat.max_mg_per_kg))
        what, source, ladder = "repeat-dose range", rule.repeat.source, []
    else:
        lo, hi = _allowed_range(rule)
        what, source, ladder = "allowed range", rule.source, rule.titration_ladder
    if lo is None or hi is None:
        draft.reasons.append(
            f"the protocol gives no allowed dose range here; the clinic must set it ({rule.source})"
        )
        return
    low_mg, high_mg = round_to(lo * weight, "0.1"), round_to(hi * weight, "0.1")
    if rule.max_single_dose_mg is not None and not repeat:
        # A dose at the cap is allowed even when it is below the mg/kg range (heavy patients).
        low_mg = min(low_mg, Decimal(str(rule.max_single_dose_mg)))
    if not repeat and rule.allowed_max is None and dose > high_mg + MG_TOLERANCE:
        draft.reasons.append(
            f"{fmt(draft.mg_per_kg)} mg/kg is above the starting dose {fmt(hi)} mg/kg and no "
            "published source gives a maximum: the clinic must set allowed_max and the titration "
            f"ladder when activating ({source})"
        )
    elif dose < low_mg - MG_TOLERANCE and not repeat:
        _below_floor(draft, lo, source)
    elif dose < low_mg - MG_TOLERANCE or dose > high_mg + MG_TOLERANCE:
        draft.reasons.append(
            f"{fmt(draft.mg_per_kg)} mg/kg is outside the protocol's {what} "
            f"{fmt(lo)}-{fmt(hi)} mg/kg ({source})"
        )
    elif ladder and not any(abs(mg - dose) <= MG_TOLERANCE for mg in _ladder_mg(rule, weight)):
        shown = f"{fmt(dose)} mg" if explicit_mg else f"{fmt(draft.mg_per_kg)} mg/kg"
        draft.reasons.append(
            f"{shown} is not a step of the titration ladder "
            f"{', '.join(fmt(Decimal(str(s))) for s in ladder)} mg/kg ({source})"
        )


def _ladder_mg(rule: DoseRule, weight: Decimal) -> set[Decimal]:
    """The mg doses the titration ladder gives at `weight`: each step × weight, and, under a
    maximum single dose, min(step × weight, cap), the dose the step gives once capped (40 mg
    at 100 kg on the adolescent protocol). The uncapped value stays a step: it is then
    capped by `apply_cap`, which says so."""
    cap = None if rule.max_single_dose_mg is None else Decimal(str(rule.max_single_dose_mg))
    doses = set()
    for step in rule.titration_ladder:
        mg = round_to(Decimal(str(step)) * weight, "0.1")
        doses.add(mg)
        if cap is not None:
            doses.add(min(mg, cap))
    return doses


def _below_floor(draft: DoseDraft, floor: Decimal, source: str) -> None:
    """Below the usual floor: allowed for tolerability with a documented reason, never
    silently (George 2017 and Fava 2018 used 0.1-0.5 mg/kg)."""
    below = f"{fmt(draft.mg_per_kg)} mg/kg is below the protocol's usual floor {fmt(floor)} mg/kg"
    if draft.reason:
        draft.warnings.append(f"{below}; reduced dose, reason given: {draft.reason}")
    else:
        draft.reasons.append(
            f"{below} ({source}): a lower dose for tolerability needs a documented reason"
        )


def _allowed_range(rule: DoseRule) -> tuple[Decimal | None, Decimal | None]:
    """Allowed mg/kg range; with no sourced maximum, nothing above the default is allowed."""
    lo = rule.allowed_min if rule.allowed_min is not None else rule.default
    hi = rule.allowed_max if rule.allowed_max is not None else rule.default
    return (
        None if lo is None else Decimal(str(lo)),
        None if hi is None else Decimal(str(hi)),
    )


def fixed_dose(
    definition: ProtocolDefinition,
    route: str,
    draft: DoseDraft,
    *,
    step: int | None,
    dose_mg: float | None,
    mg_per_kg: float | None,
    start: JurisdictionStart | None = None,
) -> None:
    """Fixed-mg dose (esketamine): allowed strengths and whole devices [@spravato-uspi §2]. `start`
    is the jurisdiction's label start for this patient (EU: 28 mg from 65 years)."""
    rule = definition.dose_rule(route)  # type: ignore[arg-type]
    if start is not None:
        rule = rule.model_copy(
            update={
                "default": start.default,
                "allowed_fixed_doses_mg": start.allowed_fixed_doses_mg,
                "titration_ladder": start.titration_ladder or rule.titration_ladder,
            }
        )
    if mg_per_kg is not None:
        raise DoseInputError("mg_per_kg", f"{definition.id} doses in fixed mg; use dose_mg/step")
    if step is not None:
        draft.dose_mg = _ladder_value(rule, step)
    elif dose_mg is not None:
        draft.dose_mg = round_to(Decimal(str(dose_mg)), "0.1")
    elif rule.default is not None:
        draft.dose_mg = Decimal(str(rule.default))
    else:
        draft.reasons.append(_no_default_reason(rule, repeat=False))
        return
    if start is not None:
        draft.warnings.append(
            f"{start.jurisdiction} label: patients {start.min_age_years:g} and older start at "
            f"{start.default:g} mg ({', '.join(f'{v:g}' for v in start.allowed_fixed_doses_mg)}"
            " mg allowed)"
        )
    allowed = [Decimal(str(v)) for v in rule.allowed_fixed_doses_mg]
    source = start.source if start is not None else rule.source
    if allowed and draft.dose_mg not in allowed:
        draft.reasons.append(
            f"{fmt(draft.dose_mg)} mg is not an allowed dose "
            f"({', '.join(fmt(v) for v in allowed)} mg; {source})"
        )
    device = definition.administration_for(route).device_mg  # type: ignore[arg-type]
    if device and draft.dose_mg % device:
        draft.reasons.append(
            f"{fmt(draft.dose_mg)} mg is not a whole number of {device} mg devices"
        )


def apply_cap(rule: DoseRule, draft: DoseDraft) -> None:
    """A protocol maximum single dose caps the dose and says so (e.g. 500 mg
    [@wjem-2020-ed-ketamine])."""
    cap = rule.max_single_dose_mg
    # A blocked request is shown as asked, so the reasons match the number on screen.
    if cap is None or draft.reasons or draft.dose_mg is None or draft.dose_mg <= Decimal(str(cap)):
        return
    cap_mg = Decimal(str(cap))
    source = rule.max_single_dose_source.source if rule.max_single_dose_source else rule.source
    draft.warnings.append(
        f"calculated {fmt(draft.dose_mg)} mg exceeds the protocol maximum single dose; "
        f"capped at {fmt(cap_mg)} mg ({source})"
    )
    draft.dose_mg = cap_mg
    if draft.weight_used:
        draft.mg_per_kg = round_to(cap_mg / draft.weight_used, "0.001")


def fmt(value: Decimal) -> str:
    """Decimal without trailing zeros, for messages (0.50 -> 0.5, 56.0 -> 56)."""
    return format(value.normalize(), "f")
