"""Which alerts a surveillance check raises, with the pathway to follow (pure; no Django).

The words, tiers, pathways and sources are data (`data/alert_rules.json`). Fail safe: a
haematuria answer that is not a clear "no" raises the haematuria alert; an ICSI total at
or above the screening line (the instrument's `screen_positive` band) raises the screen
alert; any misuse signal not answered "no" raises the misuse alert; a liver value without the
laboratory's upper limit raises the "limit not given" alert (it cannot be read as normal).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

RULES_PATH = Path(__file__).parent / "data" / "alert_rules.json"
POSITIVE_BAND = "screen_positive"


@dataclass(frozen=True)
class AlertSpec:
    rule: str
    tier: str
    message: str
    pathway: str
    source: str


@cache
def rules() -> dict[str, dict]:
    return json.loads(RULES_PATH.read_text(encoding="utf-8"))["rules"]


def _spec(rule: str, detail: str = "") -> AlertSpec:
    data = rules()[rule]
    message = data["message"] + (f" {detail}" if detail else "")
    return AlertSpec(rule, data["tier"], message, data["pathway"], data["source"])


def bladder_alerts(*, haematuria: bool | None, icsi_total: int, icsi_band: str) -> list[AlertSpec]:
    found = []
    if haematuria is not False:
        found.append(_spec("haematuria"))
    if icsi_band == POSITIVE_BAND:
        found.append(_spec("icsi_positive", f"ICSI total {icsi_total} of 20."))
    return found


SIGNAL_WORDS = {
    "early_requests": "early requests for a dose",
    "dose_escalation": "dose escalation",
    "craving": "craving",
}


def misuse_alerts(signals: dict[str, bool | None]) -> list[AlertSpec]:
    named = [SIGNAL_WORDS[key] for key, value in signals.items() if value is not False]
    if not named:
        return []
    return [_spec("misuse_signal", "Signals: " + ", ".join(named) + ".")]


def drug_screen_alerts(result: str, detail: str = "") -> list[AlertSpec]:
    if result != "positive":
        return []
    return [_spec("drug_screen_positive", f"Found: {detail}." if detail else "")]


def liver_alerts(values: Iterable[tuple[str, Decimal, str, Decimal | None]]) -> list[AlertSpec]:
    """`values`: (test name, value, unit, laboratory upper limit or None).

    Fail safe: a value without its upper limit cannot be read as normal, so it raises the
    "limit not given" alert (review the result), never nothing."""
    above, unread = [], []
    for name, value, unit, limit in values:
        if limit is None:
            unread.append(f"{name} {value:g} {unit}")
        elif value > limit:
            above.append(f"{name} {value:g} {unit} (upper limit {limit:g})")
    found = []
    if above:
        found.append(_spec("liver_above_limit", "Above the limit: " + "; ".join(above) + "."))
    if unread:
        found.append(_spec("liver_limit_not_given", "Not given for: " + "; ".join(unread) + "."))
    return found
