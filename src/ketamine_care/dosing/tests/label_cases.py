"""Helpers of the `ketamine-care dose` label cases: run the command as a clinician would and
build the whole JSON object a case expects, so every key is asserted, not only the one the
case is about. `run_plan` runs `ketamine-care plan` where no capsys is at hand (the app's
tests)."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from collections.abc import Sequence
from typing import Any

from ketamine_care.core.ages import age_text
from ketamine_care.dosing.cli import dose_main, plan_main
from ketamine_care.protocols.library import load_definition

# The BMI prompt's warning when no height is given [@sanacora-2017].
NO_BMI = (
    "BMI unknown (no height): actual weight used; at BMI >= 30 the clinician must choose the "
    "weight basis"
)
RESEARCH = "research-only protocol: use only within an approved study"
# The Ketalar label's dilution of the 100 mg/mL strength for IV use [@ketalar-uspi §2].
DILUTE = (
    "100 mg/mL: the 100 mg/mL strength must not be given IV undiluted; dilute with an equal "
    "volume of sterile water, 0.9% NaCl or D5W (Ketalar label)"
)
NO_INFUSION = "concentration ignored: this route has no timed infusion"


def run_dose(capsys, argv: str) -> tuple[int, Any, str]:
    """(exit status, the --json object or None, stderr) of `ketamine-care dose <argv> --json`."""
    status = dose_main([*shlex.split(argv), "--json"])
    out = capsys.readouterr()
    return status, (json.loads(out.out) if out.out else None), out.err


def run_plan(argv: Sequence[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `ketamine-care plan <argv>`."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = plan_main(list(argv))
    return status, out.getvalue(), err.getvalue()


def infusion(
    duration: int, mg_per_h: float, ml: float | None = None, ml_per_h: float | None = None
) -> dict[str, Any]:
    return {
        "duration_min": duration,
        "rate_mg_per_h": mg_per_h,
        "volume_ml": ml,
        "rate_ml_per_h": ml_per_h,
    }


def expected(argv: str, **fields: Any) -> dict[str, Any]:
    """The whole `dose --json` object for `argv`: the protocol's id, drug and (default) route,
    every other key at its empty value unless `fields` gives it. `reasons` fills
    `block_reasons` and sets `blocked`."""
    words = shlex.split(argv)
    definition = load_definition(words[words.index("--protocol") + 1])
    route = words[words.index("--route") + 1] if "--route" in words else definition.routes[0]
    reasons = list(fields.pop("reasons", []))
    base: dict[str, Any] = {
        "protocol": definition.id,
        "drug": definition.drug,
        "route": route,
        "dose_mg": None,
        "dose_mg_per_kg": None,
        "weight_basis": None,
        "weight_used_kg": None,
        "bmi": None,
        "infusion": None,
        "devices": None,
        "warnings": [],
        "blocked": bool(reasons),
        "block_reasons": reasons,
    }
    unknown = set(fields) - set(base)
    assert not unknown, f"not keys of the dose contract: {unknown}"
    return {**base, **fields}


def source(protocol: str, route: str | None = None) -> str:
    """The protocol's dose-rule source, as its block reasons quote it."""
    return load_definition(protocol).dose_rule(route).source


def on(weight: float, mg: float | None, per_kg: float | None, **fields: Any) -> dict[str, Any]:
    """The fields of a dose of `mg` (`per_kg` mg/kg) on the actual weight `weight` kg."""
    return (
        dict(dose_mg=mg, dose_mg_per_kg=per_kg, weight_basis="actual", weight_used_kg=float(weight))
        | fields
    )


def ages(age: float, span: str) -> str:
    return (
        f"age {age:g} years is outside this protocol's ages ({span}): give a reason to dose "
        "outside them"
    )


def absolute_age(age: float, span: str, protocol: str) -> str:
    """The block no reason lifts: an age under the protocol's absolute minimum."""
    definition = load_definition(protocol)
    assert definition.min_age_absolute and definition.min_age_source is not None
    return (
        f"age {age_text(age)} is outside this protocol's ages ({span}): an age under "
        f"{age_text(definition.min_age_years)} is an absolute contraindication; no reason lifts "
        f"this block ({definition.min_age_source.source})"
    )


def unknown_age(protocol: str, enter: str = "the age with --age-years") -> str:
    """The block of an unknown age on a protocol whose minimum age is absolute: the minimum,
    its source, and what to enter."""
    definition = load_definition(protocol)
    assert definition.min_age_absolute and definition.min_age_source is not None
    return (
        f"age unknown: this protocol's minimum age ({age_text(definition.min_age_years)}) is an "
        f"absolute contraindication below it ({definition.min_age_source.source}); enter {enter}"
    )


def outside(per_kg: str, span: str, protocol: str, route: str | None = None) -> str:
    return (
        f"{per_kg} mg/kg is outside the protocol's allowed range {span} mg/kg "
        f"({source(protocol, route)})"
    )


def outside_repeat(per_kg: str, span: str, protocol: str, route: str) -> str:
    repeat = load_definition(protocol).dose_rule(route).repeat
    assert repeat is not None
    return (
        f"{per_kg} mg/kg is outside the protocol's repeat-dose range {span} mg/kg ({repeat.source})"
    )


def below(per_kg: str, floor: str, protocol: str, route: str | None = None) -> str:
    return (
        f"{per_kg} mg/kg is below the protocol's usual floor {floor} mg/kg "
        f"({source(protocol, route)}): a lower dose for tolerability needs a documented reason"
    )


def off_ladder(per_kg: str, ladder: str, protocol: str) -> str:
    return (
        f"{per_kg} mg/kg is not a step of the titration ladder {ladder} mg/kg ({source(protocol)})"
    )
