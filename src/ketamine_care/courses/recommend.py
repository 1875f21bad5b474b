"""The maintenance recommendation that follows from a course state (pure; no Django).

Actions: `continue`, `extend_interval`, `shorten_interval`, `return_to_previous_schedule`,
`review_for_discontinuation`, `tolerance_review`. Order of the rules:

1. Induction: `continue` (the label evaluates benefit at the end of induction).
2. Non-response at the end of induction: `review_for_discontinuation`.
3. Worse (relapse, loss of response, or the latest measure lost the benefit the one before
   had): sessions missed -> `return_to_previous_schedule` (the label's missed-dose rule);
   else relapse or loss of response with the dose risen since the best measure ->
   `tolerance_review`, without -> `shorten_interval`; a single worse measure -> `continue`
   (re-rate; never longer).
4. Response or remission held on the last `stable_measures` measures, the latest taken at
   most one interval before the last session, no session missed meanwhile (the label: with
   no worsening, continue the schedule), and the protocol's next longer interval already
   open -> `extend_interval` (esketamine: weekly -> every 2 weeks from week 9); else `continue`.

Fail safe: a worse trajectory can only move the action away from `extend_interval`, never
towards it, and nothing without a measure counts as a response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ketamine_care.courses.history import History
from ketamine_care.courses.rules import CourseRules, Rung
from ketamine_care.courses.state import CourseState

Action = Literal[
    "continue",
    "extend_interval",
    "shorten_interval",
    "return_to_previous_schedule",
    "review_for_discontinuation",
    "tolerance_review",
]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]
# Longer intervals rank higher; every action other than these two keeps the interval pending
# a decision, and the "act now" ones rank lowest.
INTERVAL_RANK = {
    "extend_interval": 1,
    "continue": 0,
    "tolerance_review": -1,
    "review_for_discontinuation": -1,
    "shorten_interval": -1,
    "return_to_previous_schedule": -1,
}


@dataclass(frozen=True)
class Reason:
    """One reason: a stable `rule` id, the words for the clinic and the source cited."""

    rule: str
    message: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "source": self.source}


@dataclass(frozen=True)
class Recommendation:
    action: Action
    reasons: tuple[Reason, ...]
    every_days: int  # the current interval
    target_every_days: int | None  # the interval the action proposes (None: unchanged)

    def as_dict(self) -> dict:
        return {"action": self.action, "reasons": [r.as_dict() for r in self.reasons]}


def recommend(state: CourseState, history: History, rules: CourseRules) -> Recommendation:
    every = history.every_days
    first = Reason(f"state.{state.state}", state.why, state.source)
    if state.state == "induction":
        return Recommendation("continue", (first,), every, None)
    if state.state == "non_response":
        return Recommendation("review_for_discontinuation", (first,), every, None)
    worse = state.state in ("relapse", "loss_of_response") or state.worsened
    if worse:
        return _when_worse(state, history, rules, first)
    return _when_benefit(state, history, rules, first)


def _when_worse(state, history: History, rules: CourseRules, first: Reason) -> Recommendation:
    every = history.every_days
    missed = missed_sessions(history, state, rules)
    shorter = rules.shorter_rung(every)
    if missed:
        rule = rules.defaults.missed_sessions
        words = f"Sessions were missed ({missed}) and the measures got worse. " + _back_to(shorter)
        reason = Reason("missed_sessions", words, rule.source)
        target = shorter.every_days if shorter else None
        return Recommendation("return_to_previous_schedule", (first, reason), every, target)
    rose = dose_rose(history, state)
    lost = state.state in ("relapse", "loss_of_response")
    if rose and lost:
        reason = Reason("dose_rose", rose, rules.defaults.tolerance.source)
        return Recommendation("tolerance_review", (first, reason), every, None)
    if lost:
        words = "The response was lost without missed sessions. " + _back_to(shorter)
        source = shorter.source if shorter else state.source
        reason = Reason("shorten", words, source)
        target = shorter.every_days if shorter else None
        return Recommendation("shorten_interval", (first, reason), every, target)
    # One worse measure is not yet a lost response: re-rate (a dose rise is named, and the
    # tolerance review follows if the next measure confirms the loss).
    words = "Keep the current interval and re-rate at the next visit; do not step down now."
    if rose:
        words += " " + rose
    reason = Reason("rerate", words, rules.loss_source)
    return Recommendation("continue", (first, reason), every, None)


def _back_to(shorter: Rung | None) -> str:
    if shorter is None:
        return "The protocol has no more frequent maintenance interval: review the plan."
    return f"Go back to every {shorter.every_days} days ({shorter.label})."


def _when_benefit(state, history: History, rules: CourseRules, first: Reason) -> Recommendation:
    every = history.every_days
    rung = rules.longer_rung(every, state.course_day or 0)
    blocker = _extension_blocker(state, history, rules, rung)
    if blocker is not None:
        return Recommendation("continue", (first, blocker), every, None)
    words = (
        f"Response held: step down from every {every} days to every {rung.every_days} days "
        f"({rung.label}), the least frequent dosing that keeps it."
    )
    reason = Reason("extend", words, rung.source or rules.defaults.step_down.source)
    reasons = (first, reason)
    if rung is not rules.ladder[0]:
        ext = rules.defaults.extension
        reasons += (Reason("stable", ext.label + ".", ext.source),)
    return Recommendation("extend_interval", reasons, every, rung.every_days)


def _extension_blocker(state, history, rules: CourseRules, rung: Rung | None) -> Reason | None:
    step = rules.defaults.step_down
    if rung is None:
        longer = [r for r in rules.ladder if r.every_days > history.every_days]
        if not rules.ladder:
            words = "The protocol has no maintenance schedule to step down to."
        elif not longer:
            every = history.every_days
            words = f"Every {every} days is already the protocol's least frequent interval."
        else:
            words = f"The next interval ({longer[0].label}) is not open yet in this course."
        return Reason("interval_kept", words, step.source)
    ext = rules.defaults.extension
    # The protocol's own move from induction to its first maintenance interval needs only the
    # latest measure; a later step down needs the benefit held on consecutive measures.
    needed = 1 if rung is rules.ladder[0] else ext.stable_measures
    recent = state.assessed[-needed:]
    if len(recent) < needed or not all(a.benefit for a in recent):
        words = f"Step down only after {needed} measures in a row keep the response."
        return Reason("not_stable", words, ext.source)
    missed = missed_since(history, state, rules, recent[0].measure.day)
    if missed:
        words = (
            f"Sessions were missed ({missed}) without worse measures: continue the current "
            "schedule rather than step down."
        )
        return Reason("missed_sessions", words, rules.defaults.missed_sessions.source)
    rose = _dose_rose_since(history, state, recent[0].measure.day)
    if rose:
        return Reason("dose_rose_while_stable", rose, rules.defaults.tolerance.source)
    # Measures come before each session: more than one interval of sessions without one is
    # stale (the measure of the visit before the last still counts).
    visits = [s.day for s in history.sessions if s.day <= state.today]
    last_visit = visits[-1] if visits else state.today
    if (last_visit - recent[-1].measure.day).days > history.every_days:
        words = (
            f"No measure since {recent[-1].measure.day}: a session went by without one. "
            "Re-rate before stepping down."
        )
        return Reason("stale_measure", words, ext.source)
    return None


def missed_sessions(history: History, state: CourseState, rules: CourseRules) -> int:
    """Scheduled sessions missed since the last benefit (see `missed_since`)."""
    last = state.last_benefit()
    return missed_since(history, state, rules, last.measure.day if last else None)


def missed_since(history: History, state: CourseState, rules: CourseRules, since) -> int:
    """Sessions missed in gaps ending after `since` (None: all): a gap between visits (or
    from the last visit to today) of `gap_intervals` or more intervals misses
    gap // interval - 1."""
    days = [s.day for s in history.sessions if s.day <= state.today] + [state.today]
    every, need = history.every_days, rules.defaults.missed_sessions.gap_intervals
    missed = 0
    for before, after in zip(days, days[1:], strict=False):
        gap = (after - before).days
        if (since is None or after > since) and gap >= need * every:
            missed += gap // every - 1
    return missed


def _dose_rose_since(history: History, state: CourseState, since) -> str | None:
    """Words when a session after `since` had a higher known dose than the last one on or
    before it: the response held on a higher dose, so no step down yet (dates only, so a
    worse trajectory cannot turn this off)."""
    before = [s.dose_mg for s in history.sessions if s.day <= since and s.dose_mg]
    after = [s.dose_mg for s in history.sessions if since < s.day <= state.today and s.dose_mg]
    if not before or not after or max(after) <= before[-1]:
        return None
    return (
        f"The dose rose from {before[-1]:g} mg to {max(after):g} mg while the response held: "
        "keep the interval and review for tolerance before stepping down."
    )


def dose_rose(history: History, state: CourseState) -> str | None:
    """Words for a dose rise since the best measure, or None when there was none."""
    scored = [a for a in state.assessed if a.benefit]
    if not scored:
        return None
    best = min(scored, key=lambda a: (a.measure.total, a.measure.day))
    at_best = [s.dose_mg for s in history.sessions if s.day <= best.measure.day and s.dose_mg]
    later = [s.dose_mg for s in history.sessions if best.measure.day < s.day <= state.today]
    known_later = [d for d in later if d]
    if not at_best or not known_later or max(known_later) <= at_best[-1]:
        return None
    return (
        f"The dose rose from {at_best[-1]:g} mg (at the best measure, {best.measure.day}) to "
        f"{max(known_later):g} mg while the response fell."
    )
