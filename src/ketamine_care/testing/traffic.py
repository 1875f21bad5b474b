"""Ordinary mixed clinical traffic over HTTP from many clients at once, and the checks that
it left the database right. Used by the PostgreSQL concurrency test (against a live server)
and by `benchmarks/concurrency.py` (against gunicorn).

Each client is a thread with its own connection per request and a nurse's bearer token. The
mix: vitals batches (some retried with the same idempotency key), chart reads, alert
acknowledgements, ledger draws, adverse events, score entries, and a walk of the client's own
scheduled session through check-in, pre-checks, dosing and a dose drawn from a lot.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from ketamine_care.testing.ward import PASSWORD as WARD_PASSWORD
from ketamine_care.testing.ward import Ward

API = "/api/v1"
# Relative weights of the other operations; two requests in three are walk steps while the
# client's walk lasts.
MIX = {"vitals": 30, "read": 25, "ack": 12, "draw": 13, "adverse": 8, "score": 12}


@dataclass
class Outcome:
    kind: str
    method: str
    path: str
    status: int  # 0: no answer at all
    ms: float
    sent: Any = None
    body: Any = None
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Client:
    base_url: str
    token: str
    ward: Ward
    index: int
    rng: random.Random
    outcomes: list[Outcome] = field(default_factory=list)
    walk: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.walk = [step for session in self.ward.walks[self.index] for step in _walk(session)]
        self.walk.reverse()

    def call(self, kind: str, method: str, path: str, body: Any = None) -> Outcome:
        parts = urlsplit(self.base_url)
        started = time.perf_counter()
        outcome = Outcome(kind, method, path, 0, 0.0, sent=body)
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            headers = {
                "Authorization": f"Bearer {self.token}",
                "Host": parts.netloc,
                # As the TLS-terminating proxy in front of a production server reports it.
                "X-Forwarded-Proto": "https",
            }
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            connection.request(method, API + path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            connection.close()
            outcome.status = response.status
            try:
                outcome.body = json.loads(raw) if raw else None
            except ValueError:
                outcome.body = raw[:500].decode(errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            outcome.error = repr(exc)
        outcome.ms = (time.perf_counter() - started) * 1000
        self.outcomes.append(outcome)
        return outcome

    def run(self, requests: int) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        serial = 0
        while len(self.outcomes) < requests:
            serial += 1
            kind = "walk" if self.walk and serial % 3 else self.rng.choices(kinds, weights)[0]
            getattr(self, f"_{kind}")(serial)

    # --- the operations ---------------------------------------------------------------

    def _vitals(self, serial: int) -> None:
        session = self.rng.choice(self.ward.monitoring)
        now = timezone.now()
        readings = [
            {"measured_at": _iso(now - timedelta(seconds=5)), "heart_rate_bpm": 78},
            {
                "measured_at": _iso(now),
                "bp_systolic_mmhg": 128,
                "bp_diastolic_mmhg": 80,
                "spo2_percent": 85 if self.rng.random() < 0.3 else 97,
            },
        ]
        body = {"idempotency_key": f"c{self.index}-{serial}", "readings": readings}
        first = self.call("vitals", "POST", f"/treatment-sessions/{session}/vitals", body)
        if first.acknowledged and self.rng.random() < 0.2:  # a device retrying its batch
            self.call("vitals-retry", "POST", f"/treatment-sessions/{session}/vitals", body)

    def _read(self, serial: int) -> None:
        number = self.rng.randrange(len(self.ward.monitoring))
        session, patient = self.ward.monitoring[number], self.ward.patients[number]
        path = self.rng.choice(
            [
                f"/treatment-sessions/{session}",
                f"/treatment-sessions/{session}/vitals",
                f"/patients/{patient}",
                f"/patients/{patient}/administrations",
            ]
        )
        self.call("read", "GET", path)

    def _ack(self, serial: int) -> None:
        session = self.rng.choice(self.ward.monitoring)
        detail = self.call("read", "GET", f"/treatment-sessions/{session}")
        if not detail.acknowledged:
            return
        open_alerts = [a["id"] for a in detail.body["alerts"] if a["acknowledged_at"] is None]
        if open_alerts:
            alert = self.rng.choice(open_alerts)
            path = f"/treatment-sessions/{session}/alerts/{alert}/acknowledge"
            self.call("ack", "POST", path, {"action_taken": "Rechecked; oxygen given."})

    def _draw(self, serial: int) -> None:
        lot = self.rng.choice(self.ward.lots)
        self.call("draw", "POST", "/inventory/draws", {"lot_id": lot, "quantity": 1, "unit": "ml"})

    def _adverse(self, serial: int) -> None:
        session = self.rng.choice(self.ward.monitoring)
        body = {
            "event_type": "nausea",
            "severity": "mild",
            "action_taken": "Observed.",
            "outcome": "resolved",
        }
        self.call("adverse", "POST", f"/treatment-sessions/{session}/adverse-events", body)

    def _score(self, serial: int) -> None:
        patient = self.rng.choice(self.ward.patients)
        body = {"instrument": "gad7", "answers": [1] * 7, "time_point": "follow_up"}
        self.call("score", "POST", f"/patients/{patient}/administrations", body)

    def _walk(self, serial: int) -> None:
        kind, path, body = self.walk.pop()
        if callable(body):
            body = body(self)
        if not self.call(kind, "POST", path, body).acknowledged:
            self.walk.clear()  # the next steps would only be refused


def _iso(moment) -> str:
    return moment.isoformat()


def _walk(session: str) -> list[tuple[str, str, Any]]:
    base = f"/treatment-sessions/{session}"
    checks = {
        "escort_confirmed": True,
        "consent_on_file": True,
        "concomitant": {"benzodiazepine": False},
        "weight_kg": "70",
        "pregnancy_test": "negative",
        "day_of_session": {
            "recent_alcohol_or_drugs": False,
            "intoxication_signs": False,
            "stimulant_or_cocaine": False,
        },
    }
    baseline = lambda client: {  # noqa: E731 - the time is taken when the step runs
        "idempotency_key": f"walk-{session}",
        "readings": [
            {
                "measured_at": _iso(timezone.now() - timedelta(minutes=5)),
                "bp_systolic_mmhg": 124,
                "bp_diastolic_mmhg": 78,
                "heart_rate_bpm": 72,
            }
        ],
    }
    dose = lambda client: {  # noqa: E731
        "dose_mg": "35",
        "checked_by_email": client.ward.prescriber_email,
        "checked_by_password": WARD_PASSWORD,
        "lot_id": client.rng.choice(client.ward.lots),
        "dose_change_reason": "Concurrency test dose.",
        "infusion_started_at": _iso(timezone.now() - timedelta(minutes=1)),
    }
    return [
        ("transition", f"{base}/check-in", {}),
        ("transition", f"{base}/transitions", {"to": "pre_assessment"}),
        ("pre-checks", f"{base}/pre-checks", checks),
        ("vitals", f"{base}/vitals", baseline),
        ("transition", f"{base}/transitions", {"to": "dosing"}),
        ("dose", f"{base}/dose", dose),
        ("transition", f"{base}/transitions", {"to": "monitoring"}),
    ]


def run_traffic(
    base_url: str, ward: Ward, *, clients: int, requests_per_client: int, seed: int = 0
) -> tuple[list[Outcome], float]:
    """Run `clients` threads at once; return every outcome and the wall-clock seconds."""
    runners = [
        Client(base_url, ward.tokens[i % len(ward.tokens)], ward, i, random.Random(seed * 1000 + i))
        for i in range(clients)
    ]
    seconds = run_together(runners, requests_per_client)
    return [o for c in runners for o in c.outcomes], seconds


def run_together(clients: list, requests: int) -> float:
    """Start every client's `run(requests)` at once (a barrier), wait for all of them, and
    return the wall-clock seconds. A client that raises gets a failed outcome, never lost."""
    start = threading.Barrier(len(clients) + 1)

    def work(client) -> None:
        start.wait()
        try:
            client.run(requests)
        except Exception as exc:  # noqa: BLE001 - reported as an outcome, never swallowed
            client.outcomes.append(Outcome("client", "", "", 0, 0.0, error=repr(exc)))

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def unexpected(outcomes: list[Outcome]) -> list[Outcome]:
    """Answers that ordinary traffic should not get: anything but 2xx, except 409 for an
    alert another client acknowledged first."""
    return [
        o
        for o in outcomes
        if not o.acknowledged and not (o.kind == "ack" and o.status == 409) and not o.failed
    ]


def summary(outcomes: list[Outcome], seconds: float) -> dict[str, float]:
    times = sorted(o.ms for o in outcomes)
    cuts = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    failures = sum(o.failed for o in outcomes)
    return {
        "requests": len(outcomes),
        "failures": failures,
        "failure_pct": 100 * failures / max(len(outcomes), 1),
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "rps": len(outcomes) / seconds if seconds else 0.0,
    }
