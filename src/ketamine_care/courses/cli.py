"""`ketamine-care course-review --protocol <id> --history <file.json> [--today D] [--json]`.

Exit status 0 whatever the recommendation; 2 for a usage error, an unknown protocol, an
unreadable or invalid JSON file, or a history field that is missing, unknown or out of range
(the message names it: `history.administrations[2].total`). Nothing is printed on stdout then.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ketamine_care.core.bibliography import render
from ketamine_care.courses.history import (
    RELAPSE_EVENT_KINDS,
    History,
    HistoryError,
    parse_history,
)
from ketamine_care.courses.recommend import ACTIONS
from ketamine_care.courses.review import CourseReview, review_course
from ketamine_care.courses.rules import course_rules
from ketamine_care.courses.state import STATES
from ketamine_care.protocols.library import UnknownProtocol, load_definition

EXIT_OK = 0
EXIT_USAGE = 2
PROG = "ketamine-care course-review"

EPILOG = f"""\
history file: a JSON object.
  {{"administrations": [{{"date": "YYYY-MM-DD", "instrument": "madrs", "total": 30}}, ...],
   "sessions": [{{"date": "YYYY-MM-DD", "dose_mg": 56}}, ...],    (dose_mg null = not known)
   "schedule": {{"every_days": 7}},                               (the current interval)
   "last_done": {{"bladder_review": "YYYY-MM-DD"}},                (optional)
   "events": [{{"date": "YYYY-MM-DD", "kind": "suicide_attempt"}}]}}  (optional)
  events: {" | ".join(RELAPSE_EVENT_KINDS)}
    (SUSTAIN-1: each is a relapse by itself after a response).
  Unknown keys are an error. Totals must lie in the instrument's range.
today: --today, else the latest date in the history (reproducible: the same file always
  gives the same review).
states: {" | ".join(STATES)}
actions: {" | ".join(ACTIONS)}
output (--json): {{"protocol", "state", "recommendation": {{"action", "reasons": [{{"rule",
  "message", "source"}}]}}, "exposure": {{"sessions_last_30_days", "mg_last_30_days",
  "sessions_last_365_days", "mg_last_365_days", "sessions_without_mg_last_30_days",
  "sessions_without_mg_last_365_days"}}, "surveillance_due": [{{"key", "label", "due_on",
  "status", "reason", "source"}}]}}
  (sessions_without_mg_*: sessions with dose_mg null, counted as sessions and not in the mg,
  which are then a lower bound)
exit status: 0 for any recommendation; 2 for bad input (the message names the field).
"""


class UsageError(Exception):
    """A problem with the command's input; reported on stderr with exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Review a treatment course: its state and the maintenance recommendation.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--protocol", required=True, help="protocol id, e.g. esketamine-trd-label")
    parser.add_argument("--history", required=True, help="path to the history JSON ('-' = stdin)")
    parser.add_argument(
        "--today", help="review date, YYYY-MM-DD (default: the latest date in the history)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _read(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read history file {path!r}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"history file {path!r} is not valid JSON: {exc}") from None


def _today(text: str | None, history: History) -> date:
    if text is not None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"--today: {text!r} is not a YYYY-MM-DD date") from None
    latest = history.latest_day()
    if latest is None:
        raise UsageError("--today: the history has no dates; give the review date")
    return latest


def _review(args: argparse.Namespace) -> CourseReview:
    try:
        definition = load_definition(args.protocol)
    except UnknownProtocol as exc:
        raise UsageError(f"--protocol: {exc}") from None
    history = parse_history(_read(args.history))
    return review_course(history, course_rules(definition), _today(args.today, history))


def _human(review: CourseReview) -> str:
    state = review.state
    lines = [f"Protocol: {review.protocol}", f"State: {state.state}"]
    if state.instrument:
        lines.append(f"Followed with: {state.instrument}")
    lines.append(f"Recommendation: {review.recommendation.action}")
    for reason in review.recommendation.reasons:
        lines.append(f"- [{reason.rule}] {reason.message}")
        lines.append(f"    Source: {render(reason.source)}")
    exposure = review.exposure.as_dict()
    lines.append(
        f"Exposure: {exposure['sessions_last_30_days']} sessions / "
        f"{exposure['mg_last_30_days']:g} mg in 30 days; "
        f"{exposure['sessions_last_365_days']} sessions / "
        f"{exposure['mg_last_365_days']:g} mg in 365 days"
    )
    lines.extend(f"- {note}" for note in review.exposure.notes())
    if review.default_schedule:
        lines.append(
            "Surveillance schedule: the protocol sets none, so the default schedule applies"
        )
    if not review.due:
        lines.append("Surveillance due: none")
    for item in review.due:
        lines.append(f"Surveillance {item.status}: {item.label} (due {item.due_on.isoformat()})")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `course-review` command; returns the process exit status."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        review = _review(args)
    except UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    except HistoryError as exc:
        sys.stderr.write(f"{PROG}: error: {exc.field}: {exc.message}\n")
        return EXIT_USAGE
    if args.json:
        sys.stdout.write(json.dumps(review.as_json(), indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(_human(review))
    return EXIT_OK
