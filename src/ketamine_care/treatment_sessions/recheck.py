"""A reading out of range that waits for its recheck (pure; no Django).

Some alert rules need the breach to last: a severe BP still present some minutes after the
first severe reading, a fast heart rate sustained for some minutes. After the first
out-of-range reading such a rule has not fired yet, and what the nurse must do is recheck by
that reading's minute plus the rule's `sustained_min`. The floor shows that one reading and
the time of its recheck. The minutes come from the protocol's rules, never from here; the
episode semantics are those of `alerts.evaluate_alerts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .alerts import RuleState, ThresholdRule, _states_by_minute, walk_episodes
from .readings import Reading


@dataclass(frozen=True)
class Recheck:
    """`reading` (at `reading.minute`) breached `rule`; recheck by `due_minute`."""

    rule: str
    tier: str  # the tier the rule alerts with if the recheck is still out of range
    reading: Reading
    due_minute: float


def pending_recheck(
    readings: Iterable[Reading],
    rules: Sequence[ThresholdRule],
    *,
    dosing_started: bool = True,
) -> Recheck | None:
    """The earliest recheck a sustained rule waits for, or None when none waits."""
    ordered = sorted(readings, key=Reading.sort_key)
    by_id = {rule.rule: rule for rule in rules}
    waiting = []
    for rule in rules:
        if not rule.sustained_min:
            continue
        stronger = [by_id[r] for r in rule.superseded_by if r in by_id]
        in_phase = [
            r
            for r in ordered
            if rule.applies_at(r.minute, dosing_started=dosing_started)
            and not any(other.breach(r) for other in stronger)
        ]
        found = _waiting(rule, in_phase)
        if found is not None:
            waiting.append(found)
    return min(waiting, key=lambda r: (r.due_minute, r.rule), default=None)


def recheck_from_states(
    states: Mapping[str, RuleState], rules: Sequence[ThresholdRule]
) -> Recheck | None:
    """`pending_recheck` from where each rule stands (`alerts.evaluate_from`'s states), with
    no reading read again: a sustained rule whose episode is open and has not alerted waits
    for the recheck of the episode's first breaching reading."""
    waiting = []
    for rule in rules:
        state = states.get(rule.rule)
        found = _recheck(rule, state) if rule.sustained_min and state is not None else None
        if found is not None:
            waiting.append(found)
    return min(waiting, key=lambda r: (r.due_minute, r.rule), default=None)


def _waiting(rule: ThresholdRule, readings: Sequence[Reading]) -> Recheck | None:
    """The recheck `rule` waits for after `readings` (the episode walk of `alerts`)."""
    _, state = walk_episodes(rule, _states_by_minute(rule, readings))
    return _recheck(rule, state)


def _recheck(rule: ThresholdRule, state: RuleState) -> Recheck | None:
    """An open episode that has not alerted waits for the recheck of its first reading."""
    if state.start is None or state.reading is None or state.fired:
        return None
    due = state.start + float(rule.sustained_min or 0)
    return Recheck(rule=rule.rule, tier=rule.tier, reading=state.reading, due_minute=due)
