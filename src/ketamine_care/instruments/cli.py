"""`ketamine-care score <code> <answer> ... [--json]`: score one administration.

Exit status 0 on success, 2 on a usage error, an unknown instrument code, a wrong number
of answers or a value outside an item's range (the message names the item and its
allowed values).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .definition import UnknownInstrument, list_codes, load_definition
from .scoring import AnswerError, ScoreResult, score

EXIT_OK = 0
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketamine-care score",
        description="Score one rating-scale administration (item values in item order).",
        epilog="For cssrs_screener give seven answers: Q1 Q2 Q3 Q4 Q5 Q6 and Q6-within-3-months, "
        "each 0 or 1 (Q3-Q5 as 0 when Q2 is 0). For tlfb give the sex for the heavy-day line "
        "(male or female, or 1 or 2), then the standard drinks on each day of the window, "
        "oldest first, e.g. 'tlfb female 0 0 4 2 0 6 0'. For audit_c the positive screen's "
        "cut-off depends on the sex: give it first (male or female, e.g. 'audit_c female 1 1 1') "
        "or with --sex; without male or female the stricter cut-off applies. Instruments: "
        + ", ".join(list_codes()),
    )
    parser.add_argument("code", help="instrument code, e.g. phq9")
    # Strings, not ints: a bad token must produce our item-naming message, not argparse's.
    parser.add_argument("answers", nargs="*", help="item values in item order")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--sex",
        choices=SEXES,
        help="the patient's recorded sex, for a screen whose cut-off depends on it (audit_c) "
        "and the tlfb heavy-day line (a tlfb line that contradicts it is refused)",
    )
    return parser


SEXES = ("male", "female", "other", "unknown")


def _sex_and_answers(definition, args) -> tuple[str | None, list[str]]:
    """The sex for a sex-dependent screen: --sex, or a leading sex word as for tlfb."""
    answers = list(args.answers)
    if definition.screen is None:
        return args.sex, answers
    first = answers[0].strip().lower() if answers else ""
    if first in SEXES:
        if args.sex is not None and args.sex != first:
            raise AnswerError(None, ", ".join(SEXES), f"two sexes given: {first} and {args.sex}")
        return first, answers[1:]
    return args.sex, answers


def _human(result: ScoreResult, definition) -> str:
    lines = [f"{definition.name} [{result.instrument} v{result.version}]"]
    if result.total is not None:
        what = " (percent heavy drinking days)" if definition.calendar is not None else ""
        lines.append(f"  total{what}: {result.total}")
    if result.band is not None:
        lines.append(f"  band: {result.band}")
    for sub, value in result.subscales.items():
        lines.append(f"  subscale {sub}: {value}")
    if result.risk is not None:
        lines.append(f"  risk: {result.risk}")
    if result.screen is not None:
        outcome = "positive" if result.screen.positive else "negative"
        lines.append(f"  screen: {outcome} ({result.screen.cut_off})")
    lines.append(f"  flags: {', '.join(result.flags) if result.flags else 'none'}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `score` command; returns the process exit status."""
    # Intermixed, so `--json` may come before, between or after the answers.
    args = _parser().parse_intermixed_args(list(sys.argv[1:] if argv is None else argv))
    try:
        definition = load_definition(args.code)
        sex, answers = _sex_and_answers(definition, args)
        result = score(definition, answers, sex=sex)
    except UnknownInstrument as exc:
        sys.stderr.write(f"ketamine-care score: error: {exc}\n")
        return EXIT_USAGE
    except AnswerError as exc:
        sys.stderr.write(f"ketamine-care score: error: {args.code}: {exc.message}\n")
        return EXIT_USAGE
    if args.json:
        sys.stdout.write(json.dumps(result.as_json(), indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(_human(result, definition))
    return EXIT_OK
