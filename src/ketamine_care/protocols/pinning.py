"""What a protocol version pins when it becomes active (pure; no Django).

A version screens, alerts and scores with the rules it was activated with, never with whatever
the installed package ships later. At activation it stores, for each kind of rule it uses, the
content and a SHA-256 digest of its canonical JSON (`core.canonical`):

    {"screening_rule_set": {"id", "version", "digest", "content"},
     "alert_thresholds":   {"digest", "content"},
     "instruments":        {<code>: {"version", "digest", "content"}, ...}}

Instruments and alert thresholds are pinned here (both live at or below this app). The
screening rule set lives in a higher app, which registers its pinner from its
`AppConfig.ready()` (`register_pinner`), so this module never imports upwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ketamine_care.core.canonical import sha256_digest
from ketamine_care.instruments.definition import definition_content, list_codes

SCREENING = "screening_rule_set"
THRESHOLDS = "alert_thresholds"
INSTRUMENTS = "instruments"

# kind -> function(definition JSON) -> pin record. Filled by apps above this one.
_PINNERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class PinMismatch(ValueError):
    """Pinned content no longer matches its digest: the row was altered; refuse to use it."""


def register_pinner(kind: str, pinner: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    _PINNERS[kind] = pinner


def pin(content: Any, **labels: str) -> dict[str, Any]:
    """A pin record: `labels` (id, version), the content and its digest."""
    return {**labels, "digest": sha256_digest(content), "content": content}


def checked_content(record: dict[str, Any], what: str) -> Any:
    """The content of a pin record, after checking it still matches its digest."""
    if sha256_digest(record["content"]) != record["digest"]:
        raise PinMismatch(f"the pinned {what} does not match its digest")
    return record["content"]


def instrument_codes(definition: dict[str, Any]) -> list[str]:
    """Every shipped instrument a protocol definition names (monitoring, reviews, outcome,
    discharge recovery score), sorted."""
    monitoring = definition.get("monitoring", {})
    outcome = definition.get("outcome", {})
    named = {t["instrument"] for t in monitoring.get("instruments_at", [])}
    for review in definition.get("schedule", {}).get("reviews", []):
        named.update(review.get("instruments", []))
    named.add(outcome.get("instrument"))
    named.update(outcome.get("secondary", []))
    named.add(monitoring.get("discharge", {}).get("recovery_score"))
    shipped = set(list_codes())
    return sorted(code for code in named if code in shipped)


def pin_rules(definition: dict[str, Any]) -> dict[str, Any]:
    """Everything `definition` (a version's definition JSON) screens, alerts and scores with."""
    pins: dict[str, Any] = {
        THRESHOLDS: pin(definition["monitoring"]["alert_thresholds"]),
        INSTRUMENTS: {
            code: pin(content, version=content["version"])
            for code in instrument_codes(definition)
            for content in [definition_content(code)]
        },
    }
    for kind, pinner in _PINNERS.items():
        pins[kind] = pinner(definition)
    return pins
