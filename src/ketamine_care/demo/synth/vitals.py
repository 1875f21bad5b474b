"""Vital-sign profiles for synthetic sessions: a pre-dose baseline, a reading at 40 minutes
(the end of an IV infusion; the esketamine label's 40-minute check) and one at discharge.
A few profiles carry a hypertensive reading at 40 minutes. Each profile's alerts are the
ones the app's own evaluator (`treatment_sessions.alerts.evaluate_alerts`, under each
protocol's pinned rules) raises for it, computed once per protocol and profile. The last
reading always meets the protocols' discharge criteria (MOAA/S 5, BP at most 140/90)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from ketamine_care.treatment_sessions.alerts import evaluate_alerts
from ketamine_care.treatment_sessions.monitoring import FIELDS
from ketamine_care.treatment_sessions.readings import Reading

# Minutes from the dose start of the three readings, per route: IV observed 60 minutes after
# the 40-minute infusion, esketamine at least 2 hours after the first device.
MINUTES = {"iv": (-10.0, 40.0, 100.0), "intranasal": (-15.0, 40.0, 120.0)}
HYPERTENSIVE_EVERY = 16  # one profile in 16 has a hypertensive reading at 40 minutes


@dataclass(frozen=True)
class Profile:
    """Readings as (minute, systolic, diastolic, heart rate, SpO2, MOAA/S)."""

    readings: tuple[tuple[float, int, int, int, int, int | None], ...]


def make_profiles(rng: random.Random, route: str, count: int) -> list[Profile]:
    return [_profile(rng, route, number % HYPERTENSIVE_EVERY == 1) for number in range(count)]


def _profile(rng: random.Random, route: str, hypertensive: bool) -> Profile:
    before, during, after = MINUTES[route]
    systolic, diastolic = rng.randint(112, 134), rng.randint(68, 84)
    heart = rng.randint(60, 88)
    if hypertensive:
        peak = (rng.randint(181, 192), rng.randint(100, 108))
    else:
        peak = (systolic + rng.randint(4, 20), diastolic + rng.randint(2, 8))
    last = (min(138, systolic + rng.randint(-4, 6)), min(88, diastolic + rng.randint(-3, 4)))
    return Profile(
        readings=(
            (before, systolic, diastolic, heart, rng.randint(96, 99), None),
            (during, *peak, heart + rng.randint(0, 12), rng.randint(95, 99), rng.randint(4, 5)),
            (after, *last, heart + rng.randint(-4, 4), rng.randint(96, 99), 5),
        )
    )


def alerts_for(profile: Profile, monitoring) -> tuple[dict, ...]:
    """The alerts the evaluator raises for the profile under `monitoring`'s rules, as the
    fields of the SessionAlert rows `services.alerting` writes (minute from the dose start)."""
    readings = [
        Reading(minute=m, bp_systolic=s, bp_diastolic=d, heart_rate=h, spo2=o, moaas=a)
        for m, s, d, h, o, a in profile.readings
    ]
    return tuple(
        {
            "rule": alert.rule,
            "tier": alert.tier,
            "minute": alert.minute,
            "message": alert.message,
            "action": alert.action,
            "source": alert.source,
            "evidence": alert.evidence,
            "observed": json.dumps({FIELDS.get(m, m): round(v, 1) for m, v in alert.observed}),
            "thresholds_digest": monitoring.thresholds_digest,
        }
        for alert in evaluate_alerts(readings, monitoring.rules)
    )
