"""In-session vital-sign alerts: a pure evaluator over readings and threshold rules (no Django).

The numbers never live here: every ThresholdRule comes from the protocol definition
(`adapter.monitoring_from_protocol`, plus `paediatric.rules_for_age` for age-banded
protocols), whose data cite their sources ([@spravato-uspi], [@acc-aha-2017], [@yip-2022],
[@pals-2020], ...).

Timing semantics, all in minutes from the start of dosing:

* Phase. `pre_dose` readings have minute <= 0 (a baseline charted at minute 0, before the
  dose starts, is pre-dose) or dosing has not started; `post_dose` readings have minute > 0;
  `any` matches both.
* Breach. A rule holds one or more conditions joined by OR (e.g. systolic >= 180 OR diastolic
  >= 110), or by AND when `match="all"` (bradycardia AND SpO2 below 92). A reading breaches
  when the conditions are met; it is *normal* for the rule when it carries enough of the
  rule's measures to show they are not met; a reading carrying none of them is ignored by
  the rule (it neither breaches nor resets). A `with_symptoms` rule breaches only when the
  reading also carries a symptom of the hypertensive-emergency checklist.
* Immediate rules (`sustained_min` null or 0) alert at the first breaching reading.
* `sustained_mode="repeat"` (BP: "still breached 5 min later") alerts at the first
  breaching reading that is at least `sustained_min` after an earlier breaching reading of the
  same phase. Normal readings in between do not cancel the pending pair: the conservative
  reading, so that a pressure that dips briefly below the line is still caught. A normal
  reading at or after the recheck time is the recheck done (`RuleState.rechecked`): nothing
  waits for a recheck any more, while the episode stays open as before.
* `sustained_mode="continuous"` (HR: "sustained HR >120 for 5 min") needs every reading
  from the first breach to the alerting one to breach; a normal reading restarts the clock.
* A rule `superseded_by` other rules ignores a reading that breaches one of them: a pre-dose
  BP in the hold range is the hold, not also the milder review warning, and a recheck that
  falls to the review range then raises the review warning.
* Readings at the same minute are simultaneous: the minute breaches if any of them does.
* De-duplication. A rule alerts once per episode. The episode ends at the next normal reading;
  after that, the rule must be breached afresh (for sustained rules: a new pair or span made
  only of readings after that normal reading) to alert again.

Readings are put in a total order (minute, then values) first, so input order never matters.

Incremental evaluation. Where a rule stands after some readings is a `RuleState` (the open
episode's first breaching minute and reading, and whether the episode has alerted).
`evaluate_from` goes on from those states with readings that all come at later minutes, and
gives exactly the alerts and states that evaluating every reading together gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from .readings import DERIVED_MEASURES, MEASURES, Reading

PHASES = ("pre_dose", "post_dose", "any")
TIERS = ("info", "warning", "urgent")
COMPARISONS = ("gt", "lt", "ge", "le", "in")
SUSTAINED_MODES = ("repeat", "continuous")
MATCHES = ("any", "all")
ALL_MEASURES = (*MEASURES, *DERIVED_MEASURES)


@dataclass(frozen=True)
class Condition:
    """`measure comparison value`, e.g. bp_systolic gt 180 (mmHg) or moaas in (0, 1)."""

    measure: str
    comparison: str
    value: float | tuple[float, ...]

    def __post_init__(self) -> None:
        if self.measure not in ALL_MEASURES:
            allowed = ", ".join(ALL_MEASURES)
            raise ValueError(f"unknown measure {self.measure!r} (allowed: {allowed})")
        if self.comparison not in COMPARISONS:
            raise ValueError(f"unknown comparison {self.comparison!r} for {self.measure}")
        if self.comparison == "in":
            if not isinstance(self.value, tuple) or not self.value:
                raise ValueError(f"'in' on {self.measure} needs a non-empty list of values")
        elif isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise ValueError(f"{self.comparison} on {self.measure} needs a number")

    def met_by(self, observed: float) -> bool:
        """True when `observed` (in the measure's unit) meets this condition."""
        if self.comparison == "in":
            return observed in self.value  # type: ignore[operator]
        limit = float(self.value)  # type: ignore[arg-type]
        return {
            "gt": observed > limit,
            "lt": observed < limit,
            "ge": observed >= limit,
            "le": observed <= limit,
        }[self.comparison]


@dataclass(frozen=True)
class ThresholdRule:
    """One alert rule from a protocol: conditions (OR, or AND with `match="all"`), phase,
    timing, tier and wording. `with_symptoms`: breaches only with a reported symptom."""

    rule: str
    phase: str
    conditions: tuple[Condition, ...]
    tier: str
    message: str
    action: str
    source: str
    evidence: str = ""
    editable: bool = True
    sustained_min: float | None = None
    sustained_mode: str = "repeat"
    match: str = "any"
    with_symptoms: bool = False
    superseded_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.rule:
            raise ValueError("a threshold rule needs a non-empty 'rule' id")
        checks = (
            (self.phase in PHASES, f"phase {self.phase!r} (allowed: {', '.join(PHASES)})"),
            (self.tier in TIERS, f"tier {self.tier!r} (allowed: {', '.join(TIERS)})"),
            (self.sustained_mode in SUSTAINED_MODES, f"sustained_mode {self.sustained_mode!r}"),
            (self.match in MATCHES, f"match {self.match!r} (allowed: {', '.join(MATCHES)})"),
            (bool(self.conditions), "no conditions"),
            (self.sustained_min is None or self.sustained_min >= 0, "negative sustained_min"),
        )
        for ok, problem in checks:
            if not ok:
                raise ValueError(f"rule {self.rule!r}: invalid {problem}")

    @property
    def measures(self) -> frozenset[str]:
        return frozenset(c.measure for c in self.conditions)

    def breach(self, reading: Reading) -> bool | None:
        """True if the conditions are met, False if normal, None if the reading cannot tell."""
        met = [
            condition.met_by(observed)
            for condition in self.conditions
            if (observed := reading.value(condition.measure)) is not None
        ]
        if not met:
            return None
        if self.match == "all":
            if not all(met):
                return False
            # Every present condition met, but a missing measure leaves the verdict open.
            breached: bool | None = True if len(met) == len(self.conditions) else None
        else:
            breached = any(met)
        if breached and self.with_symptoms and not reading.symptoms:
            return False
        return breached

    def applies_at(self, minute: float, *, dosing_started: bool = True) -> bool:
        """Whether a reading at `minute` (from dosing start) is in this rule's phase."""
        return self.phase == "any" or (self.phase == "post_dose") == is_post_dose(
            minute, dosing_started=dosing_started
        )


def is_post_dose(minute: float, *, dosing_started: bool = True) -> bool:
    """After the dose started: minute > 0. A baseline at minute 0 is still pre-dose."""
    return dosing_started and minute > 0


@dataclass(frozen=True)
class Alert:
    """An alert raised at the reading taken at `minute`; it must be acknowledged with an action."""

    minute: float
    tier: str
    rule: str
    message: str
    action: str
    source: str
    evidence: str = ""
    editable: bool = True
    observed: tuple[tuple[str, float], ...] = field(default=())

    @property
    def key(self) -> tuple[str, float]:
        """(rule, minute): how an acknowledgement names the alert it answers."""
        return (self.rule, self.minute)

    def to_dict(self) -> dict[str, Any]:
        """The `check-vitals` JSON contract: minute, tier, rule, message, action, source."""
        return {
            "minute": json_number(self.minute),
            "tier": self.tier,
            "rule": self.rule,
            "message": self.message,
            "action": self.action,
            "source": self.source,
        }


@dataclass(frozen=True)
class RuleState:
    """Where one rule stands: the minute (`start`) and first breaching reading of its open
    episode (None: no episode open), whether that episode has alerted, and (`rechecked`)
    whether a normal reading came at or after the episode's recheck time without the episode
    alerting: the recheck was done and normal, though a "repeat" rule's episode stays open."""

    start: float | None = None
    reading: Reading | None = None
    fired: bool = False
    rechecked: bool = False


NO_EPISODE = RuleState()


def evaluate_alerts(
    readings: Iterable[Reading],
    rules: Sequence[ThresholdRule],
    *,
    dosing_started: bool = True,
) -> list[Alert]:
    """Alerts raised by `readings` under `rules`, sorted by minute then rule id.

    Readings are minutes from dosing start (negative = before dosing); with
    `dosing_started=False` every reading counts as pre-dose. Timing and de-duplication are
    described in the module docstring. Thresholds come only from `rules` (protocol data);
    readings are assumed validated by `readings.check_reading`.
    """
    return evaluate_from(readings, rules, dosing_started=dosing_started)[0]


def evaluate_from(
    readings: Iterable[Reading],
    rules: Sequence[ThresholdRule],
    states: Mapping[str, RuleState] | None = None,
    *,
    dosing_started: bool = True,
) -> tuple[list[Alert], dict[str, RuleState]]:
    """The alerts `readings` raise when each rule starts from its state in `states` (missing:
    no episode), and every rule's state afterwards.

    `states` must come from readings all at earlier minutes than every one of `readings`
    (a minute's readings are judged together): then the alerts are exactly those that
    `evaluate_alerts` over both sets raises at the minutes of `readings`.
    """
    ids = [rule.rule for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
    by_id = {rule.rule: rule for rule in rules}
    unknown = sorted({s for rule in rules for s in rule.superseded_by} - set(by_id))
    if unknown:
        raise ValueError(f"superseded_by names unknown rules: {', '.join(unknown)}")
    ordered = sorted(readings, key=Reading.sort_key)
    alerts: list[Alert] = []
    after: dict[str, RuleState] = {}
    for rule in rules:
        stronger = [by_id[rule_id] for rule_id in rule.superseded_by]
        in_phase = [
            r
            for r in ordered
            if rule.applies_at(r.minute, dosing_started=dosing_started)
            and not any(other.breach(r) for other in stronger)
        ]
        raised, after[rule.rule] = walk_episodes(
            rule, _states_by_minute(rule, in_phase), (states or {}).get(rule.rule, NO_EPISODE)
        )
        alerts.extend(raised)
    return sorted(alerts, key=lambda alert: (alert.minute, alert.rule)), after


def unacknowledged(
    alerts: Iterable[Alert], acknowledged: Iterable[tuple[str, float]], *, tier: str = "urgent"
) -> list[Alert]:
    """Alerts of `tier` whose (rule, minute) key is not among `acknowledged`."""
    done = {(rule, float(minute)) for rule, minute in acknowledged}
    return [a for a in alerts if a.tier == tier and (a.rule, float(a.minute)) not in done]


def walk_episodes(
    rule: ThresholdRule,
    minutes: Iterable[tuple[float, Reading | None]],
    state: RuleState = NO_EPISODE,
) -> tuple[list[Alert], RuleState]:
    """The episode state machine of one rule: the alerts it raises over `minutes`, going on
    from `state`, and where it stands afterwards. The only one: `evaluate_from`, the compiled
    `alert_engine.evaluate_batch` and `recheck.pending_recheck` all walk through it.

    `minutes` holds, in minute order, one item per minute the rule can judge (as
    `_states_by_minute` gives them): the minute, and its first breaching reading or None when
    the minute is normal for the rule. A run of normal minutes acts as its first and last
    normal minutes (the first may close an episode, the last may be its recheck done).
    """
    sustained = rule.sustained_min or 0
    alerts: list[Alert] = []
    # The current episode's first breaching minute and reading, whether it alerted, and
    # whether its recheck came back normal.
    episode_start, first, fired = state.start, state.reading, state.fired
    rechecked = state.rechecked
    for minute, breaching in minutes:
        if breaching is None:
            # "continuous" restarts on any normal reading; "repeat" and immediate rules only
            # close an episode that has already alerted (see module docstring). A normal
            # reading at or after the recheck time is the recheck done: nothing waits for it,
            # but the episode stays open, so a new breach alerts at once.
            if fired or rule.sustained_mode == "continuous":
                episode_start, first, fired, rechecked = None, None, False, False
            elif episode_start is not None and minute - episode_start >= sustained:
                rechecked = True
            continue
        if episode_start is None:
            episode_start, first = minute, breaching
        if not fired and minute - episode_start >= sustained:
            alerts.append(_alert(rule, breaching))
            fired = True
    unchanged = (episode_start, first, fired, rechecked) == (
        state.start,
        state.reading,
        state.fired,
        state.rechecked,
    )
    if unchanged:
        return alerts, state  # as most rules stand after most batches
    return alerts, RuleState(start=episode_start, reading=first, fired=fired, rechecked=rechecked)


def _states_by_minute(
    rule: ThresholdRule, readings: Sequence[Reading]
) -> Iterator[tuple[float, Reading | None]]:
    """(minute, first breaching reading or None if normal) for each minute the rule can judge.

    Readings taken at the same minute count as simultaneous: the minute breaches if any of
    them breaches, so the order of same-minute readings can never open or close an episode.
    """
    for minute, group in groupby(readings, key=lambda r: r.minute):
        states = [(rule.breach(r), r) for r in group]
        breaching = next((r for state, r in states if state), None)
        if breaching is not None:
            yield minute, breaching
        elif any(state is False for state, _ in states):
            yield minute, None


def _alert(rule: ThresholdRule, reading: Reading) -> Alert:
    observed: list[tuple[str, float]] = []
    for condition in rule.conditions:
        value = reading.value(condition.measure)
        if value is not None and condition.met_by(value):
            observed.append((condition.measure, value))
    return Alert(
        minute=reading.minute,
        tier=rule.tier,
        rule=rule.rule,
        message=rule.message,
        action=rule.action,
        source=rule.source,
        evidence=rule.evidence,
        editable=rule.editable,
        observed=tuple(observed),
    )


def json_number(value: float) -> int | float:
    """Integral floats as int (40.0 -> 40), so JSON shows minutes as they were given."""
    return int(value) if float(value).is_integer() else value
