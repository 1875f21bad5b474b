"""Where each alert rule of a session stands (`alerts.RuleState`), as kept in an
`AlertCheckpoint`: JSON that names each open episode's first reading by its time, read back
under the same minute 0, and the basis (rules, minute 0, dosing started) it is valid under."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache

from ketamine_care.treatment_sessions.alerts import RuleState, ThresholdRule
from ketamine_care.treatment_sessions.monitoring import alert_anchor, minute_from
from ketamine_care.treatment_sessions.readings import MEASURES, Reading


@lru_cache(maxsize=256)
def _rules_digest(rules: tuple[ThresholdRule, ...]) -> str:
    return hashlib.sha256(repr(rules).encode()).hexdigest()


def rules_basis(rules, anchor: datetime, dosing_started: bool) -> str:
    """What a checkpoint's states depend on besides the readings."""
    stamp = f"{_rules_digest(tuple(rules))}|{anchor.isoformat()}|{dosing_started}"
    return hashlib.sha256(stamp.encode()).hexdigest()


def encode_states(states: dict[str, RuleState], starts: dict[float, datetime]) -> dict:
    """The rules with an open episode as JSON: its first reading's time and values, whether
    it alerted and whether its recheck came back normal (a rule not named has no episode)."""
    encoded = {}
    for rule, state in states.items():
        if state.start is None or state.reading is None:
            continue
        values = {m: v for m in MEASURES if (v := getattr(state.reading, m)) is not None}
        encoded[rule] = {
            "start_at": starts[state.start].isoformat(),
            "fired": state.fired,
            "rechecked": state.rechecked,
            "reading": {**values, "symptoms": list(state.reading.symptoms)},
        }
    return encoded


def decode_states(
    encoded: dict, anchor: datetime
) -> tuple[dict[str, RuleState], dict[float, datetime]]:
    """`encode_states` read back under minute 0 `anchor` (the same minutes as the readings'),
    with the time of each open episode's first minute."""
    states, starts = {}, {}
    for rule, item in (encoded or {}).items():
        at = datetime.fromisoformat(item["start_at"])
        minute = minute_from(anchor, at)
        values = {k: v for k, v in item["reading"].items() if k in MEASURES}
        reading = Reading(minute=minute, symptoms=tuple(item["reading"]["symptoms"]), **values)
        # A checkpoint written before `rechecked` was kept reads as not rechecked: the floor
        # then shows the recheck as waiting until the next batch (the stricter reading).
        rechecked = bool(item.get("rechecked", False))
        states[rule] = RuleState(
            start=minute, reading=reading, fired=bool(item["fired"]), rechecked=rechecked
        )
        starts[minute] = at
    return states, starts


def basis_for(session, rules) -> str:
    """The basis a checkpoint of `session` must have to be resumed from or shown now."""
    return rules_basis(rules, alert_anchor(session), session.dose_started_at is not None)
