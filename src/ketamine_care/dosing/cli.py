"""`ketamine-care dose` and `ketamine-care plan`: command-line front ends to the pure core.

Exit status: 0 ok, 1 dose blocked by the protocol (the full result is still printed),
2 bad input or unknown protocol (argparse errors exit 2 as well).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from pydantic import ValidationError

from ketamine_care.core.bibliography import render
from ketamine_care.dosing import guards
from ketamine_care.dosing.calculator import DoseResult, calculate_dose
from ketamine_care.dosing.planning import (
    DEFAULT_HORIZON_WEEKS,
    CoursePlan,
    PlanInputError,
    Recurrence,
    parse_clinic_days,
    plan_course,
)
from ketamine_care.dosing.weights import DoseInputError, pounds_to_kg
from ketamine_care.protocols.definition import JurisdictionStart, ProtocolDefinition
from ketamine_care.protocols.library import UnknownProtocol, load_definition

EXIT_OK, EXIT_BLOCKED, EXIT_INPUT = 0, 1, 2


def _dose_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketamine-care dose",
        description="Calculate one dose under a protocol (decision support; the clinician "
        "decides).",
    )
    parser.add_argument("--protocol", required=True, help="protocol id")
    weight = parser.add_mutually_exclusive_group()
    weight.add_argument("--weight-kg", type=float, help="actual body weight in kg")
    weight.add_argument("--weight-lb", type=float, help="actual body weight in pounds")
    parser.add_argument("--height-cm", type=float, help="height in cm")
    parser.add_argument("--sex", choices=["female", "male"])
    parser.add_argument("--weight-basis", choices=["actual", "ideal", "adjusted"])
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--mg-per-kg", type=float, help="dose in mg/kg")
    choice.add_argument("--step", type=int, help="titration ladder step, 1-based")
    choice.add_argument("--dose-mg", type=float, help="dose in mg")
    parser.add_argument("--route", choices=["iv", "im", "sc", "intranasal", "oral"])
    parser.add_argument("--concentration-mg-per-ml", type=float)
    parser.add_argument("--repeat", action="store_true", help="ED top-up dose (repeat rule)")
    parser.add_argument(
        "--age-years",
        type=float,
        help="age in years (under 18: a child); outside the protocol's ages the dose is "
        "blocked until --reason; without it, a protocol with an absolute age limit blocks",
    )
    parser.add_argument(
        "--confirm-weight",
        action="store_true",
        help="confirm a weight or height outside the plausible adult range",
    )
    parser.add_argument(
        "--last-weight-kg", type=float, help="last recorded weight (warns 'entered in pounds?')"
    )
    parser.add_argument(
        "--reason",
        help="documented reason for a dose below the floor, above the ceiling or for an age "
        "outside the protocol's ages",
    )
    _add_jurisdiction(parser)
    parser.add_argument("--json", action="store_true", help="print the JSON contract")
    return parser


def _add_jurisdiction(parser: argparse.ArgumentParser) -> None:
    """`--jurisdiction`, the same for `dose` and `plan`: the label the clinic follows where
    labels differ (esketamine: 28 mg from 65 years in the EU [@spravato-eu-smpc §4.2], 56 mg
    at every age in the US [@spravato-uspi §2])."""
    parser.add_argument(
        "--jurisdiction",
        choices=list(guards.JURISDICTIONS),
        default="US",
        help="label that sets the esketamine start dose (default US)",
    )


def dose_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `ketamine-care dose`; returns the exit status."""
    args = _dose_parser().parse_args(argv)
    notes: list[str] = []
    try:
        definition = load_definition(args.protocol)
        weight_kg = args.weight_kg
        if args.weight_lb is not None:
            weight_kg = pounds_to_kg(args.weight_lb)
            notes.append(f"weight entered as {args.weight_lb:g} lb = {weight_kg:g} kg")
        result = calculate_dose(
            definition,
            weight_kg=weight_kg,
            height_cm=args.height_cm,
            sex=args.sex,
            weight_basis=args.weight_basis,
            mg_per_kg=args.mg_per_kg,
            step=args.step,
            dose_mg=args.dose_mg,
            route=args.route,
            concentration_mg_per_ml=args.concentration_mg_per_ml,
            repeat=args.repeat,
            age_years=args.age_years,
            confirm_weight=args.confirm_weight,
            last_weight_kg=args.last_weight_kg,
            reason=args.reason,
            jurisdiction=args.jurisdiction,
            enter_age="the age with --age-years",
        )
    except UnknownProtocol as exc:
        return _fail(f"--protocol: {exc}")
    except DoseInputError as exc:
        hint = " (--confirm-weight)" if "confirm the weight" in exc.message else ""
        return _fail(f"--{exc.field.replace('_', '-')}: {exc.message}{hint}")
    if notes:
        # The pound conversion is echoed inside the result so it travels with the dose.
        result = _with_warnings(result, notes)
    if args.json:
        _write(json.dumps(result.as_json(), indent=2, sort_keys=False) + "\n")
    else:
        _write(_dose_text(result))
    return EXIT_BLOCKED if result.blocked else EXIT_OK


def _with_warnings(result: DoseResult, notes: list[str]) -> DoseResult:
    return replace(result, warnings=(*notes, *result.warnings))


def _dose_text(result: DoseResult) -> str:
    """The dose for a reader, each cited source named ("Fava 2018"); `--json` keeps the raw
    citations."""
    lines = [f"Protocol {result.protocol} ({result.drug}, {result.route})"]
    if result.blocked:
        lines.append("BLOCKED:")
        lines.extend(f"  - {reason}" for reason in result.block_reasons)
    if result.dose_mg is not None:
        per_kg = f" ({result.dose_mg_per_kg:g} mg/kg)" if result.dose_mg_per_kg else ""
        lines.append(f"Dose: {result.dose_mg:g} mg{per_kg}")
    if result.weight_used_kg is not None:
        lines.append(f"Weight used: {result.weight_used_kg:g} kg ({result.weight_basis})")
    if result.bmi is not None:
        lines.append(f"BMI: {result.bmi:g} kg/m2")
    if result.infusion:
        inf = result.infusion
        lines.append(f"Infusion: over {inf.duration_min} min at {inf.rate_mg_per_h:g} mg/h")
        if inf.volume_ml is not None:
            lines.append(f"Volume: {inf.volume_ml:g} mL at {inf.rate_ml_per_h:g} mL/h")
    if result.devices is not None:
        lines.append(f"Devices: {result.devices} x 28 mg, 5 minutes apart")
    lines.extend(f"Warning: {warning}" for warning in result.warnings)
    return render("\n".join(lines)) + "\n"


def _plan_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketamine-care plan", description="Plan a treatment course under a protocol."
    )
    parser.add_argument("--protocol", required=True, help="protocol id")
    parser.add_argument("--start", required=True, help="first visit date, YYYY-MM-DD")
    parser.add_argument("--clinic-days", default="mon,tue,wed,thu,fri")
    parser.add_argument("--horizon-weeks", type=int, default=DEFAULT_HORIZON_WEEKS)
    parser.add_argument(
        "--every-days", type=int, help="visit spacing where the protocol gives no frequency"
    )
    parser.add_argument("--maintenance-every", help="clinic maintenance rhythm, e.g. 8w or 10d")
    parser.add_argument("--maintenance-start", help="first maintenance date, YYYY-MM-DD")
    parser.add_argument("--maintenance-until", help="last maintenance date, YYYY-MM-DD")
    parser.add_argument("--step-down", help="step-down intervals in weeks, e.g. 2,4")
    parser.add_argument("--visits-per-step", type=int)
    parser.add_argument(
        "--age-years",
        type=float,
        help="age in years; required under a label whose start dose depends on age (EU esketamine)",
    )
    _add_jurisdiction(parser)
    parser.add_argument("--json", action="store_true", help="print the JSON contract")
    return parser


def plan_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `ketamine-care plan`; returns the exit status."""
    args = _plan_parser().parse_args(argv)
    try:
        definition = load_definition(args.protocol)
        start = _parse_date("start", args.start)
        plan = plan_course(
            definition,
            start=start,
            clinic_days=parse_clinic_days(args.clinic_days),
            horizon_weeks=args.horizon_weeks,
            maintenance=_recurrence(args),
            every_days=args.every_days,
            start_dose=_start_dose(definition, args.jurisdiction, args.age_years),
        )
    except UnknownProtocol as exc:
        return _fail(f"--protocol: {exc}")
    except (PlanInputError, DoseInputError) as exc:
        return _fail(f"--{exc.field.replace('_', '-')}: {exc.message}")
    if args.json:
        _write(json.dumps(plan.as_json(), indent=2, sort_keys=False) + "\n")
        for warning in plan.warnings:
            sys.stderr.write(f"warning: {warning}\n")
    else:
        _write(_plan_text(plan))
    return EXIT_OK


def _start_dose(
    definition: ProtocolDefinition, jurisdiction: str, age_years: float | None
) -> JurisdictionStart | None:
    """The label start for this age, as the app plans a patient's course: under a label whose
    start depends on age, no age is an error naming `--age-years`, never the adult start."""
    guards.check_age(age_years)
    return guards.jurisdiction_start(definition.dose_rule(), jurisdiction, age_years)


def _parse_date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PlanInputError(field, f"{text!r} is not a YYYY-MM-DD date") from exc


def _recurrence(args: argparse.Namespace) -> Recurrence | None:
    if args.maintenance_every is None:
        if any([args.maintenance_start, args.maintenance_until, args.step_down]):
            raise PlanInputError("maintenance_every", "is required with the maintenance options")
        return None
    text = args.maintenance_every.strip().lower()
    unit = {"w": "weeks", "d": "days"}.get(text[-1:])
    if unit is None or not text[:-1].isdigit():
        raise PlanInputError("maintenance_every", f"use N followed by w or d (got {text!r})")
    fields: dict[str, Any] = {"every": int(text[:-1]), "unit": unit}
    if args.maintenance_start:
        fields["start"] = _parse_date("maintenance_start", args.maintenance_start)
    if args.maintenance_until:
        fields["until"] = _parse_date("maintenance_until", args.maintenance_until)
    if args.step_down:
        try:
            fields["step_down_weeks"] = [int(p) for p in args.step_down.split(",")]
        except ValueError as exc:
            raise PlanInputError("step_down", "use whole weeks, e.g. 2,4") from exc
        fields["visits_per_step"] = args.visits_per_step
    try:
        return Recurrence(**fields)
    except ValidationError as exc:
        messages = "; ".join(err["msg"] for err in exc.errors())
        raise PlanInputError("maintenance_every", messages) from exc


def _plan_text(plan: CoursePlan) -> str:
    """The plan for a reader, each cited source named, as `_dose_text` does."""
    lines = [f"Plan for {plan.protocol}: {len(plan.visits)} visits"]
    for visit in plan.visits:
        dose = visit.dose
        if dose["dose_mg"] is not None:
            planned = f"{dose['dose_mg']:g} mg"
        elif dose["dose_mg_per_kg"] is not None:
            planned = f"{dose['dose_mg_per_kg']:g} mg/kg"
        else:
            planned = "/".join(f"{o:g}" for o in dose["options"]) or "clinic to set"
        day = visit.date.strftime("%a %Y-%m-%d")
        conditional = f"  (conditional: {visit.condition})" if visit.condition else ""
        lines.append(f"  {visit.number:>3}  {day}  {visit.phase:<11}  {planned}{conditional}")
    for review in plan.reviews:
        lines.append(
            f"Review {review.date.isoformat()} (after visit {review.after_visit}): {review.purpose}"
        )
    lines.extend(f"Warning: {warning}" for warning in plan.warnings)
    return render("\n".join(lines)) + "\n"


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return EXIT_INPUT


def _write(text: str) -> None:
    sys.stdout.write(text)
