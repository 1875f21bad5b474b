"""`ketamine-care check-vitals`: alerts and discharge readiness for a list of readings.

    ketamine-care check-vitals --protocol <id> --readings <file.json|-> [--route iv]
                               [--age-years N] [--json]

The readings file is a JSON list of `{"minute", "bp_systolic", "bp_diastolic", "heart_rate",
"spo2", "respiratory_rate", "moaas", "symptoms"}` objects, minute relative to the start of
dosing (zero or negative: before it); any measure may be absent or null; `symptoms` is a list
of checklist words (severe_headache, chest_pain, dyspnea, focal_neuro_deficit, visual_change,
confusion). Paediatric and adolescent protocols judge vitals by age band and need
`--age-years`. Exit status: 0 whatever the alerts; 2 for bad input (unreadable file, invalid
JSON, unknown field or symptom, non-numeric or implausible value, a missing or impossible age
for an age-banded protocol, a child's age for a protocol with adult lines only: children are
judged by age band, never on adult lines) or an unknown protocol or route. The discharge part
judges only what readings can show; escort, CADSS and recovery score need clinician input and
are listed as not evaluated.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ketamine_care.core.bibliography import render

from .adapter import SessionMonitoring, monitoring_from_protocol
from .alerts import Alert, evaluate_alerts, json_number
from .discharge import UNMET_DESCRIPTIONS, DischargeResult, evaluate_discharge
from .paediatric import AgeError
from .readings import Reading, ReadingError, readings_from_json

PROG = "ketamine-care check-vitals"
# Under 18 a patient is a child: the PALS bands run to 17 years [@pals-2020], and every protocol
# without age bands is for adults (its minimum age is 18 or more).
CHILD_BELOW_YEARS = 18


class InputError(Exception):
    """Bad command-line input; reported on stderr with exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run `check-vitals`; returns the exit status (0 ok, 2 bad input or unknown protocol)."""
    args = _parser().parse_args(argv)
    try:
        monitoring = _load_monitoring(args.protocol, args.route, args.age_years)
        readings = _load_readings(args.readings)
    except (InputError, ReadingError) as error:
        sys.stderr.write(f"{PROG}: error: {error}\n")
        return 2
    alerts = evaluate_alerts(readings, monitoring.rules)
    discharge = evaluate_discharge(
        readings, monitoring.rules, monitoring.discharge, alerts=alerts, readings_only=True
    )
    if args.json:
        report = to_json(args.protocol, alerts, discharge)
        sys.stdout.write(json.dumps(report, indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(_summary(monitoring, readings, alerts, discharge))
    return 0


def to_json(
    protocol_id: str, alerts: Sequence[Alert], discharge: DischargeResult
) -> dict[str, Any]:
    """The `check-vitals --json` contract: protocol, alerts, discharge {ready, earliest, unmet}."""
    earliest = discharge.earliest_minute
    return {
        "protocol": protocol_id,
        "alerts": [alert.to_dict() for alert in alerts],
        "discharge": {
            "ready": discharge.ready,
            "earliest_minute": None if earliest is None else json_number(earliest),
            "unmet": list(discharge.unmet),
        },
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="In-session vital-sign alerts and discharge readiness for one protocol.",
    )
    parser.add_argument("--protocol", required=True, help="protocol id from the library")
    parser.add_argument(
        "--readings", required=True, help="JSON file with a list of readings ('-' for stdin)"
    )
    parser.add_argument("--route", help="route when the protocol has several (default: first)")
    parser.add_argument(
        "--age-years",
        type=float,
        help="patient's age in years (required for paediatric and adolescent protocols)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _load_monitoring(
    protocol_id: str, route: str | None, age_years: float | None = None
) -> SessionMonitoring:
    # Imported here so a broken or missing library cannot stop `--help` from working.
    from ketamine_care.protocols.library import UnknownProtocol, load_definition

    try:
        definition = load_definition(protocol_id)
    except UnknownProtocol as error:
        raise InputError(str(error)) from None
    if route is not None and route not in definition.routes:
        routes = ", ".join(definition.routes)
        raise InputError(f"protocol {protocol_id!r} has no route {route!r} (routes: {routes})")
    if definition.age_banded and age_years is None:
        raise InputError(
            f"--age-years is required: protocol {protocol_id!r} judges vital signs by age band"
        )
    if not definition.age_banded and age_years is not None:
        _adult_age(protocol_id, age_years)
    try:
        return monitoring_from_protocol(definition, route, age_years=age_years)
    except AgeError as error:
        raise InputError(f"--age-years: {error}") from None


def _adult_age(protocol_id: str, age_years: float) -> None:
    """An age given for a protocol with adult lines only: a possible age, and an adult's.
    Children are judged by age band, never on adult lines [@pals-2020]."""
    if not 0 <= age_years <= 130:  # noqa: PLR2004 (a human age)
        raise InputError(f"--age-years: must be between 0 and 130 (got {age_years:g})")
    if age_years < CHILD_BELOW_YEARS:
        raise InputError(
            f"--age-years: {age_years:g} is a child's age, and protocol {protocol_id!r} has "
            "adult vital-sign lines only: children are judged by age band (a paediatric or "
            "adolescent protocol)"
        )


def _load_readings(path: str) -> tuple[Reading, ...]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read readings file {path!r}: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"readings file {path!r} is not valid JSON: {error}") from None
    return readings_from_json(data)


def _summary(
    monitoring: SessionMonitoring,
    readings: Sequence[Reading],
    alerts: Sequence[Alert],
    discharge: DischargeResult,
) -> str:
    lines = [f"Protocol {monitoring.protocol_id} (version {monitoring.protocol_version})"]
    if readings:
        span = sorted(r.minute for r in readings)
        lines.append(f"{len(readings)} readings, minute {_minute(span[0])} to {_minute(span[-1])}")
    else:
        lines.append("no readings")
    lines.append(f"Alerts: {len(alerts) or 'none'}")
    for alert in alerts:
        lines.append(f"  minute {_minute(alert.minute)}  {alert.tier.upper()}  {alert.rule}")
        lines.append(f"    {alert.message}")
        lines.append(f"    action: {alert.action}")
        lines.append(f"    source: {alert.source}")
    lines.extend(_discharge_lines(discharge))
    # Each cited source by the name a reader knows ("Yip 2022"); `--json` keeps the raw citations.
    return render("\n".join(lines)) + "\n"


def _discharge_lines(discharge: DischargeResult) -> list[str]:
    earliest = discharge.earliest_minute
    lines = [
        f"Discharge: {'ready' if discharge.ready else 'not ready'} (from the readings alone)",
        "  minimum observation "
        + ("not configured" if earliest is None else f"met from minute {_minute(earliest)}"),
    ]
    lines.extend(f"  unmet: {code}: {UNMET_DESCRIPTIONS[code]}" for code in discharge.unmet)
    if discharge.not_evaluated:
        skipped = ", ".join(discharge.not_evaluated)
        lines.append(f"  not evaluated here (clinician input): {skipped}")
    lines.append("  the signing clinician judges clinical stability before discharge")
    return lines


def _minute(value: float) -> str:
    return str(json_number(value))
