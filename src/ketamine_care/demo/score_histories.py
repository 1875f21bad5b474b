"""Synthetic rating-scale histories for demo patients, after the published response patterns
of repeated ketamine infusions [@anand-2023] [@singh-2016]: a six-infusion series over about two
weeks; some patients respond within a day of the first infusion [@murrough-2013-bp], many
only after about three infusions (median 3 [@phillips-2019]; [@shiroma-2014]), some not at
all, and responders often relapse within 2–3 weeks of the last infusion (median 16–18 days
[@murrough-2013-bp] [@shiroma-2014]). The curves are illustrations for the demo, not clinical data.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.models import Source
from ketamine_care.instruments.services import record_administration

INFUSION_DAYS = (0, 2, 4, 7, 9, 11)  # Mon-Wed-Fri, two weeks
FOLLOW_UP_DAYS = (7, 14, 21, 28)  # after the last infusion

# Fraction of the baseline total: 24 h after each infusion, then at each follow-up.
PATTERNS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "rapid_responder": ((0.45, 0.38, 0.33, 0.3, 0.28, 0.25), (0.28, 0.3, 0.32, 0.33)),
    "responds_after_three": ((0.88, 0.74, 0.45, 0.4, 0.34, 0.3), (0.33, 0.35, 0.36, 0.38)),
    "non_responder": ((0.92, 0.86, 0.84, 0.82, 0.84, 0.8), (0.84, 0.86, 0.88, 0.9)),
    "relapses_after_series": ((0.5, 0.42, 0.36, 0.32, 0.3, 0.3), (0.42, 0.68, 0.84, 0.9)),
}
PATTERN_CYCLE = tuple(PATTERNS)


def answers_for_total(code: str, total: int, rng: random.Random, fixed=None) -> list[int]:
    """An answer set of `code` summing to `total`; `fixed` pins items ({item_id: value})."""
    definition = load_definition(code)
    fixed = fixed or {}
    values = {
        i: fixed.get(i, min(definition.item(i).allowed_values())) for i in definition.item_ids
    }
    free = [i for i in definition.item_ids if i not in fixed]
    remaining = total - sum(values.values())
    while remaining > 0:
        open_items = [i for i in free if values[i] < max(definition.item(i).allowed_values())]
        if not open_items:
            break
        item = rng.choice(open_items)
        values[item] += 1
        remaining -= 1
    return [values[i] for i in definition.item_ids]


def _level(baseline: int, fraction: float, rng: random.Random) -> int:
    return max(0, round(baseline * fraction + rng.uniform(-1.5, 1.5)))


# Suicide items stay below their alert cut-offs so the demo raises exactly one alert
# (record_open_alert), not one per random rating.
SUICIDE_ITEMS_AT_ZERO = {"phq9": {"phq9_9": 0}, "madrs": {"madrs_10": 0}}


def _record(patient, actor, code, total, when, time_point, rng, day=None, self_report=False):
    fixed = SUICIDE_ITEMS_AT_ZERO.get(code)
    record_administration(
        patient=patient,
        instrument_code=code,
        answers=answers_for_total(code, total, rng, fixed),
        time_point=time_point,
        follow_up_day=day,
        administered_at=when,
        source=Source.SELF_REPORT if self_report else Source.CLINICIAN,
        actor=None if self_report else actor,
    )


def make_history(patient, actor, pattern: str, start: datetime, rng: random.Random) -> None:
    """MADRS (clinician) and PHQ-9 (self-report) at baseline, before each infusion, 24 h after
    each infusion and at follow-ups; `start` is the first infusion."""
    after, follow = PATTERNS[pattern]
    madrs0, phq0 = rng.randint(28, 38), rng.randint(16, 24)
    baseline_at = start - timedelta(days=3)
    _record(patient, actor, "madrs", madrs0, baseline_at, "baseline", rng)
    _record(patient, actor, "phq9", phq0, baseline_at, "baseline", rng, self_report=True)
    previous = 1.0
    for day, fraction in zip(INFUSION_DAYS, after, strict=True):
        infusion = start + timedelta(days=day)
        pre = _level(madrs0, previous, rng)
        _record(patient, actor, "madrs", pre, infusion - timedelta(minutes=30), "pre_session", rng)
        next_day = infusion + timedelta(days=1)
        _record(patient, actor, "madrs", _level(madrs0, fraction, rng), next_day, "follow_up",
                rng, day=1)  # fmt: skip
        _record(patient, actor, "phq9", _level(phq0, fraction, rng), next_day, "follow_up",
                rng, day=1, self_report=True)  # fmt: skip
        previous = fraction
    last = start + timedelta(days=INFUSION_DAYS[-1])
    for day, fraction in zip(FOLLOW_UP_DAYS, follow, strict=True):
        when = last + timedelta(days=day)
        _record(patient, actor, "madrs", _level(madrs0, fraction, rng), when, "follow_up",
                rng, day=day)  # fmt: skip
        _record(patient, actor, "phq9", _level(phq0, fraction, rng), when, "follow_up",
                rng, day=day, self_report=True)  # fmt: skip


def record_open_alert(patient, rng: random.Random, when: datetime) -> None:
    """One self-reported PHQ-9 with item 9 above 0, so the demo shows an open safety alert."""
    record_administration(
        patient=patient,
        instrument_code="phq9",
        answers=answers_for_total("phq9", 14, rng, {"phq9_9": 1}),
        time_point="follow_up",
        administered_at=when,
        source=Source.SELF_REPORT,
    )
