"""The alert rules of `alerts.py` compiled for a batch of readings (pure; no Django).

`alerts.evaluate_from` is the definition: for every rule it filters the readings by phase and
by the rules that supersede it, then asks each condition of the rule for each reading through
`Reading.value` and `Condition.met_by`, so a batch of 60 readings under 16 rules made about
2,000 such calls, and a rule superseded by others asked those rules again. `evaluate_batch`
gives exactly the same alerts and rule states (`test_alert_engine.py` compares both over
generated batches with values at every threshold), with less work:

* each reading's values are read once, into columns (one per measure, MAP included);
* each condition is judged once per reading, over its measure's column, and each rule's
  verdict (`ThresholdRule.breach`: True, False or None) once per reading, then reused by the
  rules it supersedes;
* a rule that no reading of the batch breaches raises nothing, and only its first and last
  normal readings can change its state (a run of normal minutes acts as its first and last:
  the first closes an episode, the last may be a recheck done): those rules (most of them,
  most of the time) hand the episode walk those minutes, the others every minute they can
  judge. The walk itself is `alerts.walk_episodes`, the one `evaluate_from` takes.

Rules are compiled once per distinct rule set (their full value is the cache key, so a clinic
that edits a threshold gets a new compilation, never a stale one).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .alerts import NO_EPISODE, Alert, RuleState, ThresholdRule, is_post_dose, walk_episodes
from .readings import MEASURES, Reading

# Columns of a batch: the measures in `MEASURES` order, then MAP.
_COLUMN = {measure: i for i, measure in enumerate((*MEASURES, "map"))}
_COMPARE = {
    "gt": operator.gt,
    "lt": operator.lt,
    "ge": operator.ge,
    "le": operator.le,
}


@dataclass(frozen=True)
class _Compiled:
    rule: ThresholdRule
    conditions: tuple[tuple[int, str, object], ...]  # (column, comparison, limit)
    stronger: tuple[int, ...]  # positions of the rules that supersede this one


@lru_cache(maxsize=64)
def compile_rules(rules: tuple[ThresholdRule, ...]) -> tuple[_Compiled, ...]:
    """`rules` checked as `evaluate_from` checks them, with each condition's column and
    limit (`Condition.met_by`: `float(value)`, or the tuple of an `in`)."""
    ids = [rule.rule for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
    position = {rule.rule: i for i, rule in enumerate(rules)}
    unknown = sorted({s for rule in rules for s in rule.superseded_by} - set(position))
    if unknown:
        raise ValueError(f"superseded_by names unknown rules: {', '.join(unknown)}")
    return tuple(
        _Compiled(
            rule=rule,
            conditions=tuple(
                (
                    _COLUMN[c.measure],
                    c.comparison,
                    c.value if c.comparison == "in" else float(c.value),  # type: ignore[arg-type]
                )
                for c in rule.conditions
            ),
            stronger=tuple(position[rule_id] for rule_id in rule.superseded_by),
        )
        for rule in rules
    )


def sort_key(reading: Reading) -> tuple[object, ...]:
    """`Reading.sort_key`, without going through `Reading.value` for each measure."""
    r = reading
    return (
        float(r.minute),
        -1.0 if r.bp_systolic is None else float(r.bp_systolic),
        -1.0 if r.bp_diastolic is None else float(r.bp_diastolic),
        -1.0 if r.heart_rate is None else float(r.heart_rate),
        -1.0 if r.spo2 is None else float(r.spo2),
        -1.0 if r.respiratory_rate is None else float(r.respiratory_rate),
        -1.0 if r.moaas is None else float(r.moaas),
        tuple(sorted(r.symptoms)),
    )


def evaluate_batch(
    readings: Iterable[Reading],
    rules: Sequence[ThresholdRule],
    states: Mapping[str, RuleState] | None = None,
    *,
    dosing_started: bool = True,
) -> tuple[list[Alert], dict[str, RuleState]]:
    """Exactly `alerts.evaluate_from(readings, rules, states, dosing_started=...)`."""
    compiled = compile_rules(tuple(rules))
    ordered = sorted(readings, key=sort_key)
    columns = _columns(ordered)
    verdicts = [_verdicts(rule, columns, ordered) for rule in compiled]
    post = [is_post_dose(r.minute, dosing_started=dosing_started) for r in ordered]
    # Each phase's readings, by position in `ordered`.
    in_phase = {
        "any": list(range(len(ordered))),
        "post_dose": [i for i, after_dose in enumerate(post) if after_dose],
        "pre_dose": [i for i, after_dose in enumerate(post) if not after_dose],
    }
    states = states or {}
    alerts: list[Alert] = []
    after: dict[str, RuleState] = {}
    for rule, verdict in zip(compiled, verdicts, strict=True):
        # The readings this rule judges: in its phase, and not breaching a stronger rule.
        judged = in_phase[rule.rule.phase]
        if rule.stronger:
            stronger = [verdicts[s] for s in rule.stronger]
            judged = [i for i in judged if not any(v[i] for v in stronger)]
        raised, after[rule.rule.rule] = walk_episodes(
            rule.rule, _minutes(ordered, verdict, judged), states.get(rule.rule.rule, NO_EPISODE)
        )
        alerts.extend(raised)
    return sorted(alerts, key=lambda alert: (alert.minute, alert.rule)), after


def _columns(ordered: list[Reading]) -> list[list]:
    """Each measure's values over the readings (None: not recorded), MAP last."""
    columns = [[getattr(r, measure) for r in ordered] for measure in MEASURES]
    systolic, diastolic = columns[0], columns[1]
    columns.append(
        [
            None if s is None or d is None else (s + 2 * d) / 3
            for s, d in zip(systolic, diastolic, strict=True)
        ]
    )
    return columns


def _verdicts(compiled: _Compiled, columns: list[list], ordered: list[Reading]) -> list:
    """`rule.breach(reading)` for each reading: True, False or None."""
    met_by = []
    for column, comparison, limit in compiled.conditions:
        values = columns[column]
        if comparison == "in":
            met_by.append([None if v is None else v in limit for v in values])  # type: ignore[operator]
        else:
            compare = _COMPARE[comparison]
            met_by.append([None if v is None else compare(v, limit) for v in values])
    rule = compiled.rule
    every = rule.match == "all"
    count = len(met_by)
    if count == 1:
        # One condition: the rule's verdict is the condition's, under either match.
        verdicts = met_by[0]
    elif count == 2:
        verdicts = _two(*met_by, every=every)
    else:
        verdicts = _many(met_by, every=every)
    if rule.with_symptoms:
        # A rule that needs symptoms is normal where its lines are crossed without them.
        pairs = zip(verdicts, ordered, strict=True)
        return [False if v and not r.symptoms else v for v, r in pairs]
    return verdicts


def _two(first: list, second: list, *, every: bool) -> list:
    """`_many` for two conditions (a blood pressure's two lines), without building each
    reading's list of measured conditions."""
    if every:
        return [
            False if a is False or b is False else (True if a and b else None)
            for a, b in zip(first, second, strict=True)
        ]
    return [
        b if a is None else (a if b is None else (a or b))
        for a, b in zip(first, second, strict=True)
    ]


def _many(met_by: list[list], *, every: bool) -> list:
    """Each reading's verdict from its conditions' (True, False or None: not measured):
    "all" breaches when every condition is measured and met, is normal when one measured is
    not met, and is unknown otherwise; "any" breaches when one measured is met."""
    count = len(met_by)
    verdicts: list = []
    for row in zip(*met_by, strict=True):
        met = [m for m in row if m is not None]
        if not met:
            verdicts.append(None)
        elif every:
            verdicts.append(False if not all(met) else (True if len(met) == count else None))
        else:
            verdicts.append(any(met))
    return verdicts


def _minutes(
    ordered: list[Reading], verdict: list, judged: list[int]
) -> Iterable[tuple[float, Reading | None]]:
    """The minutes `alerts.walk_episodes` needs to walk the judged readings: all of them
    (`_by_minute`) when one breaches; otherwise the first and the last normal ones only (a
    run of normal minutes acts as its first and last), or none."""
    if any(verdict[i] for i in judged):
        return _by_minute(ordered, verdict, judged)
    first = next((i for i in judged if verdict[i] is False), None)
    if first is None:
        return ()
    last = next(i for i in reversed(judged) if verdict[i] is False)
    minutes = dict.fromkeys((ordered[first].minute, ordered[last].minute))
    return tuple((minute, None) for minute in minutes)


def _by_minute(
    ordered: list[Reading], verdict: list, judged: list[int]
) -> Iterator[tuple[float, Reading | None]]:
    """`alerts._states_by_minute` over the judged readings (by position in `ordered`), with
    their verdicts already known: (minute, first breaching reading or None if normal) for each
    minute the rule can judge; readings of one minute are judged together."""
    count = len(judged)
    k = 0
    while k < count:
        minute = ordered[judged[k]].minute
        breaching: Reading | None = None
        normal = False
        while k < count and ordered[judged[k]].minute == minute:
            says = verdict[judged[k]]
            if breaching is None and says:
                breaching = ordered[judged[k]]
            normal = normal or says is False
            k += 1
        if breaching is not None:
            yield minute, breaching
        elif normal:
            yield minute, None  # no reading of this minute breaches, and one is normal
