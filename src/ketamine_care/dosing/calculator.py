"""Unit-safe dose calculator driven by a protocol definition (pure; no Django).

Every number it enforces comes from the protocol's dose rule (whose data cite their sources):
the allowed mg/kg range, the titration ladder, the maximum single dose, the infusion time and
the esketamine device size. A dose outside the rule is *blocked* with reasons (the result is
still complete so the clinician sees why); a protocol cap lowers the dose with a warning;
input that cannot be real raises `DoseInputError` naming the field.

Rounding: dose to 0.1 mg, infusion rate to 0.1 mg/h, volume and mL/h to 0.1 mL (half up).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketamine_care.dosing import guards
from ketamine_care.dosing.dose_rules import DoseDraft, apply_cap, fixed_dose, weight_dose
from ketamine_care.dosing.result import DoseResult, Infusion, infusion_for
from ketamine_care.dosing.weights import (
    BMI_CHOOSE_BASIS,
    WEIGHT_BASES,
    DoseInputError,
    as_decimal,
    bmi,
    check_sex,
    weight_for_basis,
)
from ketamine_care.protocols.definition import DoseRule, ProtocolDefinition

__all__ = ["DoseInputError", "DoseResult", "Infusion", "calculate_dose"]


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
    enter_age: str = guards.ENTER_THE_AGE,
) -> DoseResult:
    """Calculate one dose under `definition` (weight kg, height cm, dose mg or mg/kg).

    Choose the dose with at most one of `mg_per_kg`, `step` (1-based index into the
    titration ladder) or `dose_mg`; none means the protocol default. `repeat` asks for an ED
    top-up dose under the protocol's repeat rule [@green-2011]. Sources: the protocol's dose
    rule; weight basis [@sanacora-2017]; esketamine devices [@spravato-uspi §2]; dilution
    [@ketalar-uspi §2].

    Guards (`guards.py`): the weight used is never above `weight_kg`; paediatric protocols
    (or `age_years` < 18) dose on actual weight only; adult weight/height outside the
    plausible range (a child's above its maximum) raise `DoseInputError` unless
    `confirm_weight`; `last_weight_kg` enables the "entered in pounds?" warning; `reason`
    documents a dose below the usual floor, above the clinic's ceiling or for an age outside
    the protocol's ages (blocked without it); `jurisdiction` (US/EU) picks the label's start
    dose. An unknown age on a protocol with an absolute age bound is blocked, the reason
    asking for `enter_age` (the caller's words for it: `--age-years`, the date of birth).
    """
    request = _Request(
        route=_check_route(definition, route),
        weight_kg=weight_kg,
        height_cm=height_cm,
        sex=sex,
        weight_basis=weight_basis,
        mg_per_kg=mg_per_kg,
        step=step,
        dose_mg=dose_mg,
        concentration_mg_per_ml=concentration_mg_per_ml,
        repeat=repeat,
        age_years=age_years,
        confirm_weight=confirm_weight,
        last_weight_kg=last_weight_kg,
        reason=reason,
        jurisdiction=jurisdiction,
        enter_age=enter_age,
    )
    return _calculate(definition, request)


@dataclass(frozen=True)
class _Request:
    """The inputs of one `calculate_dose` call, as given (the route already checked)."""

    route: str
    weight_kg: float | None
    height_cm: float | None
    sex: str | None
    weight_basis: str | None
    mg_per_kg: float | None
    step: int | None
    dose_mg: float | None
    concentration_mg_per_ml: float | None
    repeat: bool
    age_years: float | None
    confirm_weight: bool
    last_weight_kg: float | None
    reason: str | None
    jurisdiction: str
    enter_age: str


def _calculate(definition: ProtocolDefinition, r: _Request) -> DoseResult:
    """Check the input, assemble the dose under the rule's basis, then cap, ceiling, infusion."""
    rule = definition.dose_rule(r.route)  # type: ignore[arg-type]
    _check_choice(r.mg_per_kg, r.step, r.dose_mg, r.weight_basis)
    guards.check_age(r.age_years)
    guards.check_jurisdiction(r.jurisdiction)
    weight, height = _check_body(rule, r)
    paediatric = guards.is_paediatric(definition, r.age_years)
    draft = DoseDraft(reason=(r.reason or "").strip() or None)
    if rule.basis == "mg_per_kg":
        _check_weight(definition, draft, r, weight=weight, height=height, paediatric=paediatric)
    body_mass_index = bmi(r.weight_kg, r.height_cm) if weight and height else None
    if rule.basis == "fixed_mg":
        _dose_fixed(definition, rule, draft, r)
    else:
        least_bmi = _least_bmi(definition, weight) if height is None else None
        _choose_basis(
            draft, r.weight_basis, body_mass_index, paediatric=paediatric, least_bmi=least_bmi
        )
        _use_weight(draft, weight, height, r.sex)
        weight_dose(
            rule, draft, step=r.step, dose_mg=r.dose_mg, mg_per_kg=r.mg_per_kg, repeat=r.repeat
        )
        _warn_above(rule, draft)
    apply_cap(rule, draft)
    _check_ceiling(rule, draft)
    draft.add(*guards.age_outside(definition, r.age_years, draft.reason, enter_age=r.enter_age))
    infusion = infusion_for(
        definition.administration_for(r.route).infusion_duration_min,  # type: ignore[arg-type]
        draft.dose_mg,
        r.concentration_mg_per_ml,
        draft.warnings,
        intravenous=r.route == "iv",
    )
    if definition.research_only:
        draft.warnings.append("research-only protocol: use only within an approved study")
    return _result(definition, r.route, draft, body_mass_index, infusion)


def _check_body(rule: DoseRule, r: _Request) -> tuple[float | None, float | None]:
    """Weight (required for a mg/kg rule) and height, then the last weight and sex if given."""
    weight = _optional_positive("weight_kg", r.weight_kg, required=rule.basis == "mg_per_kg")
    height = _optional_positive("height_cm", r.height_cm, required=False)
    if r.last_weight_kg is not None:
        as_decimal("last_weight_kg", r.last_weight_kg)
    if r.sex is not None:
        check_sex(r.sex)
    return weight, height


def _check_weight(
    definition: ProtocolDefinition,
    draft: DoseDraft,
    r: _Request,
    *,
    weight: float | None,
    height: float | None,
    paediatric: bool,
) -> None:
    """The weight guards of a weight-based dose: basis allowed, plausible, not in pounds."""
    guards.check_basis_allowed(r.weight_basis, paediatric=paediatric, height_cm=height)
    limits = guards.plausibility_for(definition)
    draft.warnings.extend(
        guards.check_plausibility(
            limits,
            weight_kg=weight,
            height_cm=height,
            paediatric=paediatric,
            confirmed=r.confirm_weight,
        )
    )
    pounds = guards.pounds_warning(limits, weight_kg=weight, last_weight_kg=r.last_weight_kg)
    if pounds:
        draft.warnings.append(pounds)


def _dose_fixed(
    definition: ProtocolDefinition, rule: DoseRule, draft: DoseDraft, r: _Request
) -> None:
    """A fixed-mg dose from the label's start for the jurisdiction; a weight basis is moot."""
    start = guards.jurisdiction_start(rule, r.jurisdiction, r.age_years)
    fixed_dose(
        definition,
        r.route,
        draft,
        step=r.step,
        dose_mg=r.dose_mg,
        mg_per_kg=r.mg_per_kg,
        start=start,
    )
    if r.weight_basis is not None:
        draft.warnings.append("weight basis ignored: this protocol doses in fixed mg")


def _use_weight(draft: DoseDraft, weight, height, sex) -> None:
    """The weight for the chosen basis, never above the actual weight."""
    if draft.basis is None:
        return
    used = Decimal(str(weight_for_basis(draft.basis, weight, height, sex)))
    draft.basis, draft.weight_used, capped = guards.cap_to_actual(
        draft.basis, used, Decimal(str(weight))
    )
    if capped:
        draft.warnings.append(capped)


def _warn_above(rule: DoseRule, draft: DoseDraft) -> None:
    above = guards.warn_above(rule, draft.mg_per_kg) if not draft.reasons else None
    if above:
        draft.warnings.append(above)


def _check_ceiling(rule: DoseRule, draft: DoseDraft) -> None:
    if draft.reasons:
        return
    draft.add(*guards.ceiling_check(rule, draft.dose_mg, draft.reason))


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


def _least_bmi(definition: ProtocolDefinition, weight: float | None) -> tuple[float, float] | None:
    """Without a height, the lowest BMI the weight can have, and the height it is taken at:
    the tallest adult height the protocol accepts without confirmation
    (`weight_plausibility`)."""
    if weight is None:
        return None
    tallest = guards.plausibility_for(definition).adult_height_cm[1]
    return bmi(weight, tallest), tallest


def _choose_basis(
    draft: DoseDraft,
    requested: str | None,
    body_mass_index: float | None,
    *,
    paediatric: bool,
    least_bmi: tuple[float, float] | None = None,
) -> None:
    """Pick the weight basis: the clinician's choice, else actual weight below BMI 30.

    At BMI >= 30 there is no silent default [@sanacora-2017]. Without a height the BMI is
    unknown, but a weight whose BMI is 30 or more even at the tallest accepted height
    (`least_bmi`) is at BMI >= 30 whatever the height: no default either (fail safe).
    Children dose on actual weight: the adult BMI prompt does not apply to them.
    """
    if requested is not None:
        draft.basis = requested  # type: ignore[assignment]
    elif paediatric:
        draft.basis = "actual"
    elif body_mass_index is None and least_bmi and least_bmi[0] >= BMI_CHOOSE_BASIS:
        draft.reasons.append(
            f"BMI unknown (no height), but at least {least_bmi[0]} even at {least_bmi[1]:g} cm: "
            "enter the height, then choose the weight basis (actual, ideal or adjusted) and "
            "document it"  # [@sanacora-2017]
        )
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


def _result(
    definition: ProtocolDefinition,
    route: str,
    draft: DoseDraft,
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
