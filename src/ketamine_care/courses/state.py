"""The state of a treatment course on a given day (pure; no Django).

States: `induction`, `non_response`, `response`, `remission`, `sustained_remission`,
`loss_of_response`, `relapse`. How each is found (docs/COURSES.md has the full table):

- The followed instrument is the protocol's outcome instrument, else the first of its
  secondary instruments that has any measure. Measures of other instruments are not used.
- Baseline: the last measure on or before the first session's day (no sessions: the first
  measure). No baseline: nothing can be a response (fail safe).
- A measure *benefits* when it meets response (>= the protocol's percent reduction from
  baseline) or remission (the protocol's cut-off, e.g. esketamine MADRS <= 12, IV <= 10).
- Induction lasts until the protocol's induction sessions were given or its weeks have
  passed since the first session. During induction the state is `induction`; the label
  evaluates benefit at its end.
- After induction: never a benefit -> `non_response`; a SUSTAIN-1 relapse since the last
  benefit (MADRS >= 22 twice 5-15 days apart) -> `relapse`; the last `loss_run` measures
  without benefit after one with it -> `loss_of_response`; else the latest benefit as
  `remission` (with `sustained_remission` when it held over the SUSTAIN-1 weeks) or
  `response`. A missing measure is never a benefit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from ketamine_care.courses.history import Event, History, Measure
from ketamine_care.courses.rules import CourseRules, Cutoffs
from ketamine_care.outcomes.relapse import sustained_relapse_at

State = Literal[
    "induction",
    "non_response",
    "response",
    "remission",
    "sustained_remission",
    "loss_of_response",
    "relapse",
]
STATES: tuple[str, ...] = State.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Assessed:
    measure: Measure
    responds: bool
    remits: bool

    @property
    def benefit(self) -> bool:
        return self.responds or self.remits


@dataclass(frozen=True)
class CourseState:
    state: State
    today: date
    instrument: str | None
    cutoffs: Cutoffs | None
    baseline: Measure | None
    assessed: tuple[Assessed, ...]  # measures after baseline, in time order
    induction_over: bool
    course_day: int | None  # days since the first session (None: no session yet)
    relapse_on: date | None
    why: str  # plain words for the state
    source: str

    @property
    def latest(self) -> Assessed | None:
        return self.assessed[-1] if self.assessed else None

    def last_benefit(self) -> Assessed | None:
        return next((a for a in reversed(self.assessed) if a.benefit), None)

    @property
    def worsened(self) -> bool:
        """The latest measure lost the benefit the one before it had."""
        if len(self.assessed) < 2:
            return False
        return self.assessed[-2].benefit and not self.assessed[-1].benefit


def _instrument(history: History, rules: CourseRules) -> str | None:
    present = {m.instrument for m in history.measures}
    return next((code for code in rules.instruments if code in present), None)


def _baseline(measures: Sequence[Measure], history: History) -> Measure | None:
    if not measures:
        return None
    if not history.sessions:
        return measures[0]
    first = history.sessions[0].day
    before = [m for m in measures if m.day <= first]
    return before[-1] if before else None


def _induction_over(history: History, rules: CourseRules, today: date) -> bool:
    if not history.sessions:
        return False
    given = sum(1 for s in history.sessions if s.day <= today)
    if rules.induction_sessions is not None and given >= rules.induction_sessions:
        return True
    if rules.induction_days is not None:
        return (today - history.sessions[0].day).days >= rules.induction_days
    # Length unknown: the review treats induction as over, so non-response is reviewed.
    return rules.induction_sessions is None


def _at(day: date) -> datetime:
    return datetime.combine(day, time())


@dataclass(frozen=True)
class _Point:
    timestamp: datetime
    total: float


def _relapse_on(
    assessed: Sequence[Assessed], rules: CourseRules, code: str, events: Sequence[Event]
) -> date | None:
    """The day the latest SUSTAIN-1 relapse was established, if no benefit came after it: the
    score arm (the instrument's rule, MADRS only) or a relapse event, after the last benefit."""
    last = next((a for a in reversed(assessed) if a.benefit), None)
    if last is None:
        return None
    # Relapse counts from the last benefit on: a relapse that a later benefit ended is over.
    after = _at(last.measure.day)
    found = [_at(e.day) for e in events if _at(e.day) > after]
    rule = rules.relapse.get(code)
    if rule is not None:
        points = [_Point(_at(a.measure.day), a.measure.total) for a in assessed]
        score = sustained_relapse_at(points, rule, after)
        if score is not None:
            found.append(score)
    return min(found).date() if found else None


def _sustained(assessed: Sequence[Assessed], rules: CourseRules) -> bool:
    """Remission in `weeks_in_remission` of the last `window_weeks` weeks (ending at the latest
    measure), the last `latest_weeks_required` weeks included; a week without a measure is a
    week out of remission, and a week's worst measure is the one that counts."""
    rule = rules.defaults.stable_remission
    end = assessed[-1].measure.day
    weeks: list[bool] = []
    for week in range(rule.window_weeks):
        hi = end - timedelta(days=7 * week)
        lo = hi - timedelta(days=6)
        inside = [a for a in assessed if lo <= a.measure.day <= hi]
        weeks.append(bool(inside) and all(a.remits for a in inside))
    latest_ok = all(weeks[: rule.latest_weeks_required])
    return latest_ok and sum(weeks) >= rule.weeks_in_remission


def assess(measures: Sequence[Measure], baseline: Measure | None, cut: Cutoffs):
    if baseline is None:
        return ()
    later = [m for m in measures if m.day > baseline.day]
    return tuple(
        Assessed(m, cut.responds(baseline.total, m.total), cut.remits(m.total)) for m in later
    )


def course_state(history: History, rules: CourseRules, today: date) -> CourseState:
    """The course state on `today` (measures and sessions after `today` are ignored)."""
    code = _instrument(history, rules)
    measures = [m for m in history.measures if m.instrument == code and m.day <= today]
    cut = rules.cutoffs.get(code) if code else None
    baseline = _baseline(measures, history)
    assessed = assess(measures, baseline, cut) if cut else ()
    over = _induction_over(history, rules, today)
    first = history.sessions[0].day if history.sessions else None
    base = {
        "today": today,
        "instrument": code,
        "cutoffs": cut,
        "baseline": baseline,
        "assessed": assessed,
        "induction_over": over,
        "course_day": (today - first).days if first else None,
    }
    events = [e for e in history.events if e.day <= today]
    state, why, source, relapse_on = _classify(assessed, rules, code, over, events)
    return CourseState(state=state, why=why, source=source, relapse_on=relapse_on, **base)


def _classify(assessed, rules: CourseRules, code, over: bool, events=()):
    if not over:
        return "induction", "Induction is not complete yet.", rules.induction_source, None
    benefit = [a for a in assessed if a.benefit]
    if not benefit:
        return "non_response", _no_benefit_words(assessed), rules.defaults.non_response.source, None
    relapse_on = _relapse_on(assessed, rules, code, events)
    if relapse_on is not None:
        rule = rules.relapse.get(code) or next(iter(rules.relapse.values()), None)
        words = rule.label if rule else "a relapse event after the response"
        source = rule.source if rule else rules.loss_source
        return "relapse", f"Relapse on {relapse_on}: {words}.", source, relapse_on
    tail = assessed[-rules.loss_run :]
    if len(tail) == rules.loss_run and not any(a.benefit for a in tail):
        why = (
            f"The last {rules.loss_run} measures no longer meet response or remission "
            "after an earlier response."
        )
        return "loss_of_response", why, rules.loss_source, None
    return _benefit_state(assessed, rules)


def _benefit_state(assessed, rules: CourseRules):
    latest = assessed[-1]
    cut = rules.cutoffs[latest.measure.instrument]
    if latest.remits:
        if _sustained(assessed, rules):
            rule = rules.defaults.stable_remission
            return "sustained_remission", rule.label + ".", rule.source, None
        why = f"Latest {latest.measure.instrument} {latest.measure.total:g} meets remission "
        return "remission", why + f"({cut.describe_remission()}).", cut.remission_source, None
    if latest.responds:
        why = f"Latest measure is at least {cut.response_percent:g} % better than baseline."
        return "response", why, cut.response_source, None
    why = (
        "The latest measure no longer meets response or remission; the earlier response holds "
        f"until {rules.loss_run} measures in a row miss it."
    )
    return "response", why, rules.loss_source, None


def _no_benefit_words(assessed) -> str:
    if not assessed:
        return (
            "No measure after the baseline (or no baseline before the first session): a "
            "missing measure never counts as a response."
        )
    return "No measure met response or remission by the end of induction."
