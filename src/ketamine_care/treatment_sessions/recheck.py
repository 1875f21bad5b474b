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

from .alerts import RuleState, ThresholdRule, evaluate_from
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
    """The earliest recheck a sustained rule waits for, or None when none waits: where each
    rule stands after `readings` (`alerts.evaluate_from`, which also refuses duplicate rule
    ids and a `superseded_by` naming no rule), read by `recheck_from_states`."""
    _, states = evaluate_from(readings, rules, dosing_started=dosing_started)
    return recheck_from_states(states, rules)


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


def _recheck(rule: ThresholdRule, state: RuleState) -> Recheck | None:
    """An open episode that has not alerted waits for the recheck of its first reading,
    until a reading at or after the recheck time comes back normal (the recheck done)."""
    if state.start is None or state.reading is None or state.fired or state.rechecked:
        return None
    due = state.start + float(rule.sustained_min or 0)
    return Recheck(rule=rule.rule, tier=rule.tier, reading=state.reading, due_minute=due)
