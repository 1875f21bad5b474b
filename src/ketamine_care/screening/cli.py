"""`ketamine-care screen --protocol <id> --facts <file.json> [--json]`: screen one patient.

Exit status 0 whatever the verdict; 2 for a usage error, an unknown protocol, an unreadable
or invalid JSON file, facts with unknown fields or vocabulary words, or contradictory facts
(a male patient recorded as pregnant; diastolic at or above systolic): the message names each.
Protocol ids come from the protocol library (`ketamine_care.protocols.library`) when it
is installed, otherwise from the shipped screening rule sets.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ketamine_care.core.bibliography import render

from .evaluator import ScreeningResult, evaluate
from .facts import FACT_FIELDS, FactsError, parse_facts
from .rule_set import RuleSet, UnknownRuleSet, list_rule_set_ids, load_rule_set
from .vocabulary import DIAGNOSES, HISTORY_ITEMS, MEDICATION_CLASSES, SUICIDE_RISKS

EXIT_OK = 0
EXIT_USAGE = 2
PROG = "ketamine-care screen"


class UsageError(Exception):
    """A problem with the command's input; reported on stderr with exit status 2."""


def _wrap(words: Sequence[str]) -> str:
    return textwrap.fill(", ".join(words), width=88, subsequent_indent="    ")


EPILOG = f"""\
facts file: a JSON object; every key is optional, unknown keys are an error.
  keys: {_wrap(FACT_FIELDS)}
  units: age_years (years; fractions allowed for infants), weight_kg, height_cm,
    bp_systolic/bp_diastolic (mmHg), heart_rate (/min), doses in mg/day.
  sex: female | male.  pregnant, breastfeeding: true | false (not needed for male).
  suicide_risk: {" | ".join(SUICIDE_RISKS)} (C-SSRS screener triage).
  inpatient_care_needed: true | false (the prescriber's judgement).
  icd10_codes: ["F11.20", ...] ICD-10-CM codes, mapped to diagnosis words; a psychiatric
    (F) code the map cannot classify reports missing_information ("classify this diagnosis").
  medications: [{{"name", "class", "daily_dose_mg", "diazepam_equivalent_mg"?}}]
    ("class" may be omitted for a drug name the drug list knows; benzodiazepines and
    Z-drugs of the equivalence table get their diazepam equivalent from daily_dose_mg).
  medications_unreviewed: true | false (default false). true: the listed medications are
    taken, but nobody confirmed the list complete, so a class it does not list is unknown
    and its rules report missing_information (a medication review).
  A list is complete (medications: unless medications_unreviewed is true): a word absent
  from a supplied list is not present. A key that is missing or null is unknown, and a
  rule that needs it reports missing_information.
  Contradictory facts (sex male with pregnant true; bp_diastolic >= bp_systolic) exit 2.

diagnoses:
    {_wrap(DIAGNOSES)}
history:
    {_wrap(HISTORY_ITEMS)}
medication classes:
    {_wrap(MEDICATION_CLASSES)}

verdicts: ineligible | requires_override | eligible_with_cautions | eligible
  (missing_information never gives better than requires_override).
output (--json): {{"protocol", "verdict", "reasons": [{{"rule", "severity", "message", "source"}}]}}
exit status: 0 for any verdict; 2 for bad input or contradictory facts.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Screen a patient's facts against a protocol's eligibility rules.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--protocol", required=True, help="protocol id, e.g. iv-ketamine-trd")
    parser.add_argument("--facts", required=True, help="path to the facts JSON file ('-' = stdin)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _protocol_rule_set_id(protocol_id: str) -> str:
    """The protocol library's rule-set id for a protocol, or the id itself without a library."""
    try:
        from ketamine_care.protocols import library
    except ImportError:
        return protocol_id
    known = library.list_protocol_ids()
    if not known:
        return protocol_id
    if protocol_id not in known:
        raise UsageError(f"unknown protocol {protocol_id!r} (known: {', '.join(known)})")
    try:
        return library.load_definition(protocol_id).screening_rule_set
    except (KeyError, ValueError):
        # By agreement a protocol's rule set id is its own id; a definition that fails to
        # load must not stop screening against the shipped rule set.
        return protocol_id


def _rule_set(protocol_id: str) -> RuleSet:
    try:
        return load_rule_set(_protocol_rule_set_id(protocol_id))
    except UnknownRuleSet:
        known = ", ".join(list_rule_set_ids())
        raise UsageError(f"unknown protocol {protocol_id!r} (known: {known})") from None


def _read_facts(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read facts file {path!r}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"facts file {path!r} is not valid JSON: {exc}") from None


def _human(result: ScreeningResult) -> str:
    lines = [
        f"Protocol: {result.protocol} (rule set {result.rule_set_id} v{result.rule_set_version})",
        f"Verdict: {result.verdict}",
    ]
    if not result.reasons:
        lines.append("No reasons: no rule applies.")
    for reason in result.reasons:
        lines.append(f"- [{reason.severity}] {reason.rule}")
        lines.append(f"    {reason.message}")
        lines.append(f"    Source: {render(reason.source)}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `screen` command; returns the process exit status."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        rule_set = _rule_set(args.protocol)
        facts = parse_facts(_read_facts(args.facts))
    except UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    except FactsError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"{PROG}: error: {problem}\n")
        return EXIT_USAGE
    result = evaluate(rule_set, facts, protocol=args.protocol)
    if args.json:
        sys.stdout.write(json.dumps(result.as_json(), indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(_human(result))
    return EXIT_OK
