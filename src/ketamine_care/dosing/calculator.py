"""Unit-safe dose calculator driven by a protocol definition (pure; no Django).

Every number it enforces comes from the protocol's dose rule (whose data cite their sources):
the allowed mg/kg range, the titration ladder, the maximum single dose, the infusion time and
the esketamine device size. A dose outside the rule is *blocked* with reasons (the result is
still complete so the clinician sees why); a protocol cap lowers the dose with a warning;
input that cannot be real raises `DoseInputError` naming the field.

Rounding: dose to 0.1 mg, infusion rate to 0.1 mg/h, volume and mL/h to 0.1 mL (half up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ketamine_care.dosing import guards
from ketamine_care.dosing.result import DoseResult, Infusion, infusion_for
from ketamine_care.dosing.weights import (
    BMI_CHOOSE_BASIS,
    WEIGHT_BASES,
    DoseInputError,
    WeightBasis,
    as_decimal,
    bmi,
    check_sex,
    round_to,
    weight_for_basis,
)
from ketamine_care.protocols.definition import DoseRule, JurisdictionStart, ProtocolDefinition

# Ladder and explicit-mg matching tolerate the 0.1 mg display rounding and no more.
MG_TOLERANCE = Decimal("0.05")

__all__ = ["DoseInputError", "DoseResult", "Infusion", "calculate_dose"]


@dataclass
class _Draft:
    """Mutable working state while one dose is assembled."""

    dose_mg: Decimal | None = None
    mg_per_kg: Decimal | None = None
    basis: WeightBasis | None = None
    weight_used: Decimal | None = None
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    # The clinician's documented reason for a dose below the floor or above the ceiling.
    reason: str | None = None


def calculate_dose(
    definition: ProtocolDefinition,
    *,
    weight_kg: float | None,
    height_cm: float | None = None,
    sex: str | None = None,
    weight_basis: str | None = None,
    mg_per_kg: float | None = None,
    step: int | None = None,
    dose_mg: float | None = None,
    route: str | None = None,
    concentration_mg_per_ml: float | None = None,
    repeat: bool = False,
    age_years: float | None = None,
    confirm_weight: bool = False,
    last_weight_kg: float | None = None,
    reason: str | None = None,
    jurisdiction: str = "US",
) -> DoseResult:
    """Calculate one dose under `definition` (weight kg, height cm, dose mg or mg/kg).

    Choose the dose with at most one of `mg_per_kg`, `step` (1-based index into the
    titration ladder) or `dose_mg`; none means the protocol default. `repeat` asks for an ED
    top-up dose under the protocol's repeat rule [@green-2011]. Sources: the protocol's dose
    rule; weight basis [@sanacora-2017]; esketamine devices [@spravato-uspi §2]; dilution
    [@ketalar-uspi §2].

    Guards (`guards.py`): the weight used is never above `weight_kg`; paediatric protocols
    (or `age_years` < 18) dose on actual weight only; adult weight/height outside the
    plausible range raise `DoseInputError` unless `confirm_weight`; `last_weight_kg` enables
    the "entered in pounds?" warning; `reason` documents a dose below the usual floor or
    above the clinic's ceiling; `jurisdiction` (US/EU) picks the label's start dose.
    """
    route = _check_route(definition, route)
    rule = definition.dose_rule(route)  # type: ignore[arg-type]
    _check_choice(mg_per_kg, step, dose_mg, weight_basis)
    guards.check_age(age_years)
    guards.check_jurisdiction(jurisdiction)
    needs_weight = rule.basis == "mg_per_kg"
    weight = _optional_positive("weight_kg", weight_kg, required=needs_weight)
    height = _optional_positive("height_cm", height_cm, required=False)
    if last_weight_kg is not None:
        as_decimal("last_weight_kg", last_weight_kg)
    if sex is not None:
        check_sex(sex)
    paediatric = guards.is_paediatric(definition, age_years)
    draft = _Draft(reason=(reason or "").strip() or None)
    if rule.basis == "mg_per_kg":
        guards.check_basis_allowed(weight_basis, paediatric=paediatric, height_cm=height)
        limits = guards.plausibility_for(definition)
        draft.warnings.extend(
            guards.check_plausibility(
                limits,
                weight_kg=weight,
                height_cm=height,
                paediatric=paediatric,
                confirmed=confirm_weight,
            )
        )
        pounds = guards.pounds_warning(limits, weight_kg=weight, last_weight_kg=last_weight_kg)
        if pounds:
            draft.warnings.append(pounds)
    body_mass_index = bmi(weight_kg, height_cm) if weight and height else None
    if rule.basis == "fixed_mg":
        start = guards.jurisdiction_start(rule, jurisdiction, age_years)
        _fixed_dose(
            definition, route, draft, step=step, dose_mg=dose_mg, mg_per_kg=mg_per_kg, start=start
        )
        if weight_basis is not None:
            draft.warnings.append("weight basis ignored: this protocol doses in fixed mg")
    else:
        _choose_basis(draft, weight_basis, body_mass_index, paediatric=paediatric)
        if draft.basis is not None:
            used = Decimal(str(weight_for_basis(draft.basis, weight, height, sex)))
            draft.basis, draft.weight_used, capped = guards.cap_to_actual(
                draft.basis, used, Decimal(str(weight))
            )
            if capped:
                draft.warnings.append(capped)
        _weight_dose(rule, draft, step=step, dose_mg=dose_mg, mg_per_kg=mg_per_kg, repeat=repeat)
        above = guards.warn_above(rule, draft.mg_per_kg) if not draft.reasons else None
        if above:
            draft.warnings.append(above)
    _apply_cap(rule, draft)
    if not draft.reasons:
        ceiling_warning, ceiling_block = guards.ceiling_check(rule, draft.dose_mg, draft.reason)
        draft.warnings.extend([ceiling_warning] if ceiling_warning else [])
        draft.reasons.extend([ceiling_block] if ceiling_block else [])
    infusion = infusion_for(
        definition.administration_for(route).infusion_duration_min,  # type: ignore[arg-type]
        draft.dose_mg,
        concentration_mg_per_ml,
        draft.warnings,
    )
    if definition.research_only:
        draft.warnings.append("research-only protocol: use only within an approved study")
    return _result(definition, route, draft, body_mass_index, infusion)


def _check_route(definition: ProtocolDefinition, route: str | None) -> str:
    if route is None:
        return definition.default_route
    if route not in definition.routes:
        allowed = ", ".join(definition.routes)
        raise DoseInputError("route", f"{route!r} is not a route of {definition.id} ({allowed})")
    return route


def _check_choice(
    mg_per_kg: float | None, step: int | None, dose_mg: float | None, basis: str | None
) -> None:
    chosen = [
        name
        for name, v in (("mg_per_kg", mg_per_kg), ("step", step), ("dose_mg", dose_mg))
        if v is not None
    ]
    if len(chosen) > 1:
        raise DoseInputError(chosen[1], f"give only one of {', '.join(chosen)}")
    if mg_per_kg is not None:
        as_decimal("mg_per_kg", mg_per_kg)
    if dose_mg is not None:
        as_decimal("dose_mg", dose_mg)
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 1):
        raise DoseInputError("step", f"must be a whole number from 1 (got {step!r})")
    if basis is not None and basis not in WEIGHT_BASES:
        raise DoseInputError("weight_basis", f"must be one of {', '.join(WEIGHT_BASES)}")


def _optional_positive(field: str, value: float | None, *, required: bool) -> float | None:
    if value is None:
        if required:
            raise DoseInputError(field, "is required for a mg/kg protocol")
        return None
    as_decimal(field, value)
    return value


def _choose_basis(
    draft: _Draft, requested: str | None, body_mass_index: float | None, *, paediatric: bool
) -> None:
    """Pick the weight basis: the clinician's choice, else actual weight below BMI 30.

    At BMI >= 30 there is no silent default (Sanacora 2017 via Singh 2019, §6.2). Children
    dose on actual weight: the adult BMI prompt does not apply to them.
    """
    if requested is not None:
        draft.basis = requested  # type: ignore[assignment]
    elif paediatric:
        draft.basis = "actual"
    elif body_mass_index is None:
        draft.basis = "actual"
        draft.warnings.append(
            "BMI unknown (no height): actual weight used; at BMI >= 30 the clinician must "
            "choose the weight basis"  # [@sanacora-2017]
        )
    elif Decimal(str(body_mass_index)) >= BMI_CHOOSE_BASIS:
        draft.reasons.append(
            f"BMI {body_mass_index} >= 30: the clinician must choose the weight basis "
            "(actual, ideal or adjusted) and document it"  # [@sanacora-2017]
        )
    else:
        draft.basis = "actual"


def _ladder_value(rule: DoseRule, step: int) -> Decimal:
    ladder = rule.titration_ladder
    if not ladder:
        raise DoseInputError("step", "this protocol has no titration ladder")
    if step > len(ladder):
        raise DoseInputError("step", f"must be 1-{len(ladder)} (ladder {ladder})")
    return Decimal(str(ladder[step - 1]))


def _weight_dose(
    rule: DoseRule,
    draft: _Draft,
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


def _check_mg_per_kg(rule: DoseRule, draft: _Draft, *, explicit_mg: bool, repeat: bool) -> None:
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
            f"{_fmt(draft.mg_per_kg)} mg/kg is above the starting dose {_fmt(hi)} mg/kg and the "
            "reference gives no maximum: the clinic must set allowed_max and the titration "
            f"ladder when activating ({source})"
        )
    elif dose < low_mg - MG_TOLERANCE and not repeat:
        _below_floor(draft, lo, source)
    elif dose < low_mg - MG_TOLERANCE or dose > high_mg + MG_TOLERANCE:
        draft.reasons.append(
            f"{_fmt(draft.mg_per_kg)} mg/kg is outside the protocol's {what} "
            f"{_fmt(lo)}-{_fmt(hi)} mg/kg ({source})"
        )
    elif ladder and not any(
        abs(round_to(Decimal(str(s)) * weight, "0.1") - dose) <= MG_TOLERANCE for s in ladder
    ):
        shown = f"{_fmt(dose)} mg" if explicit_mg else f"{_fmt(draft.mg_per_kg)} mg/kg"
        draft.reasons.append(
            f"{shown} is not a step of the titration ladder "
            f"{', '.join(_fmt(Decimal(str(s))) for s in ladder)} mg/kg ({source})"
        )


def _below_floor(draft: _Draft, floor: Decimal, source: str) -> None:
    """Below the usual floor: allowed for tolerability with a documented reason, never
    silently (George 2017 and Fava 2018 used 0.1-0.5 mg/kg)."""
    below = f"{_fmt(draft.mg_per_kg)} mg/kg is below the protocol's usual floor {_fmt(floor)} mg/kg"
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


def _fixed_dose(
    definition: ProtocolDefinition,
    route: str,
    draft: _Draft,
    *,
    step: int | None,
    dose_mg: float | None,
    mg_per_kg: float | None,
    start: JurisdictionStart | None = None,
) -> None:
    """Fixed-mg dose (esketamine): allowed strengths and whole devices (§3.1-§3.3). `start`
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
            f"{_fmt(draft.dose_mg)} mg is not an allowed dose "
            f"({', '.join(_fmt(v) for v in allowed)} mg; {source})"
        )
    device = definition.administration_for(route).device_mg  # type: ignore[arg-type]
    if device and draft.dose_mg % device:
        draft.reasons.append(
            f"{_fmt(draft.dose_mg)} mg is not a whole number of {device} mg devices"
        )


def _apply_cap(rule: DoseRule, draft: _Draft) -> None:
    """A protocol maximum single dose caps the dose and says so (e.g. §10.3: 500 mg)."""
    cap = rule.max_single_dose_mg
    # A blocked request is shown as asked, so the reasons match the number on screen.
    if cap is None or draft.reasons or draft.dose_mg is None or draft.dose_mg <= Decimal(str(cap)):
        return
    cap_mg = Decimal(str(cap))
    source = rule.max_single_dose_source.source if rule.max_single_dose_source else rule.source
    draft.warnings.append(
        f"calculated {_fmt(draft.dose_mg)} mg exceeds the protocol maximum single dose; "
        f"capped at {_fmt(cap_mg)} mg ({source})"
    )
    draft.dose_mg = cap_mg
    if draft.weight_used:
        draft.mg_per_kg = round_to(cap_mg / draft.weight_used, "0.001")


def _result(
    definition: ProtocolDefinition,
    route: str,
    draft: _Draft,
    body_mass_index: float | None,
    infusion: Infusion | None,
) -> DoseResult:
    device = definition.administration_for(route).device_mg  # type: ignore[arg-type]
    devices = None
    if device and draft.dose_mg is not None and draft.dose_mg % device == 0:
        devices = int(draft.dose_mg / device)
    return DoseResult(
        protocol=definition.id,
        drug=definition.drug,
        route=route,
        dose_mg=None if draft.dose_mg is None else float(draft.dose_mg),
        dose_mg_per_kg=None if draft.mg_per_kg is None else float(draft.mg_per_kg),
        weight_basis=draft.basis,
        weight_used_kg=None if draft.weight_used is None else float(draft.weight_used),
        bmi=body_mass_index,
        infusion=infusion,
        devices=devices,
        warnings=tuple(draft.warnings),
        blocked=bool(draft.reasons),
        block_reasons=tuple(draft.reasons),
    )


def _fmt(value: Decimal) -> str:
    """Decimal without trailing zeros, for messages (0.50 -> 0.5, 56.0 -> 56)."""
    return format(value.normalize(), "f")
