"""HTTP load for `http_mixed.py` and `serve.py`: client threads with one keep-alive connection
each, the mixed clinical operations, a warm-up before each measured level, and the CPU time
the server's processes spent (read from /proc, so it holds whatever else runs on the machine).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

API = "/api/v1"
HEADERS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy in front reports it
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass
class KeepAliveClient:
    """One client: one connection, reopened when the server closes it (gunicorn's sync
    workers close after each answer; its threaded workers keep it)."""

    port: int
    token: str = ""
    outcomes: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def call(self, kind: str, method: str, path: str, body=None):
        from ketamine_care.testing.traffic import Outcome

        headers = dict(HEADERS)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        outcome = Outcome(kind, method, path, 0, 0.0)
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self.connection.sock is not None
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                response.read()
                outcome.status, outcome.error = response.status, ""
                break
            except STALE as exc:
                # The server closed an idle keep-alive connection before reading the request:
                # open a new one and send it again, once, as HTTP client libraries do.
                outcome.error = repr(exc)
                self.connection.close()
                if not reused or attempt == 2:
                    break
            except (OSError, ValueError, http.client.HTTPException) as exc:
                outcome.error = repr(exc)
                self.connection.close()
                break
        outcome.ms = (time.perf_counter() - started) * 1000
        self.outcomes.append(outcome)
        return outcome

    def run(self, requests: int) -> None:
        for serial in range(requests):
            self.step(serial)

    def step(self, serial: int) -> None:
        raise NotImplementedError


class HealthClient(KeepAliveClient):
    def step(self, serial: int) -> None:
        self.call("healthz", "GET", "/healthz")


def mixed_client_class(mix: dict[str, int]):
    from _mixed_data import SEARCHES
    from django.utils import timezone

    kinds, weights = list(mix), list(mix.values())

    class MixedClient(KeepAliveClient):
        def __init__(self, base_url, token, ward, index, rng: random.Random) -> None:
            super().__init__(int(base_url.rsplit(":", 1)[1]), token)
            self.ward, self.index, self.rng = ward, index, rng
            self.batch = uuid.uuid4().hex[:12]  # idempotency keys never repeat across runs

        def step(self, serial: int) -> None:
            getattr(self, f"_{self.rng.choices(kinds, weights)[0]}")()

        def _search(self) -> None:
            query = urlencode({"q": self.rng.choice(SEARCHES)})
            self.call("search", "GET", f"{API}/patients?{query}")

        def _chart(self) -> None:
            patient = self.rng.choice(self.ward.patients)
            path = self.rng.choice([f"/patients/{patient}", f"/patients/{patient}/administrations"])
            self.call("chart", "GET", API + path)

        def _vitals(self) -> None:
            session = self.rng.choice(self.ward.monitoring)
            now = timezone.now()
            readings = [
                {"measured_at": (now - timedelta(seconds=5)).isoformat(), "heart_rate_bpm": 78},
                {
                    "measured_at": now.isoformat(),
                    "bp_systolic_mmhg": 128,
                    "bp_diastolic_mmhg": 80,
                    "spo2_percent": 85 if self.rng.random() < 0.1 else 97,
                },
            ]
            key = f"m{self.batch}-{len(self.outcomes)}-{self.rng.random():.12f}"
            body = {"idempotency_key": key, "readings": readings}
            self.call("vitals", "POST", f"{API}/treatment-sessions/{session}/vitals", body)

        def _score(self) -> None:
            patient = self.rng.choice(self.ward.patients)
            body = {"instrument": "gad7", "answers": [1] * 7, "time_point": "follow_up"}
            self.call("score", "POST", f"{API}/patients/{patient}/administrations", body)

    return MixedClient


def count_queries(mixed, ward) -> dict[str, int]:
    """SQL statements per request of each operation, in process (Django's test client), on
    the third call of each (the first two warm caches)."""
    from django.db import connection
    from django.test import Client

    statements: list[str] = []

    def counter(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    client = mixed("http://testserver:80", ward.tokens[0], ward, 999, random.Random(1))
    web = Client(HTTP_AUTHORIZATION=f"Bearer {ward.tokens[0]}", HTTP_X_FORWARDED_PROTO="https")
    counts = {}

    def via_test_client(kind, method, path, body=None):
        if method == "GET":
            return web.get(path)
        return web.post(path, json.dumps(body), content_type="application/json")

    client.call = via_test_client
    for kind in ("search", "chart", "vitals", "score", "healthz"):
        step = (lambda: web.get("/healthz")) if kind == "healthz" else getattr(client, f"_{kind}")
        for _ in range(2):
            step()
        statements.clear()
        with connection.execute_wrapper(counter):
            step()
        counts[kind] = len(statements)
    return counts


class ProcessCpu:
    """CPU seconds (user + system) of a process and all its descendants, ended ones included,
    from /proc."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, root: int | None) -> None:
        self.root = root

    def seconds(self) -> float:
        if self.root is None:
            return 0.0
        parents, ticks = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            # utime + stime, and cutime + cstime: the children it reaped (PostgreSQL's ended
            # backends, gunicorn's replaced workers) keep counting after they are gone.
            ticks[int(entry.name)] = sum(int(value) for value in fields[11:15])
        tree, total = {self.root}, 0
        for pid in sorted(parents):  # children have larger pids unless pids wrapped
            if pid in tree or parents[pid] in tree:
                tree.add(pid)
                total += ticks.get(pid, 0)
        return total / self.TICK


def postgres_pid() -> int | None:
    """The postmaster's pid when the database is a local cluster this user can read."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            data_dir = Path(cursor.fetchone()[0])
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except Exception:  # noqa: BLE001 - a remote server: its CPU is not ours to read
        return None


@dataclass
class Level:
    outcomes: list
    seconds: float
    stats: dict
    app_ms: float
    db_ms: float
    load: float
    client_ms: float = 0.0  # this process: the client threads (and any sampler beside them)
    head_wait: float = 0.0
    shares: list = field(default_factory=list)  # per round, mixed req/s over /healthz req/s


def run_level(clients: list, per_client: int, warmup: int, app: ProcessCpu, db: ProcessCpu):
    """Warm up (unrecorded), then run every client at once and measure."""
    from ketamine_care.testing.traffic import run_together, summary

    run_together(clients, warmup)
    for client in clients:
        client.outcomes.clear()
    app_before, db_before, client_before = app.seconds(), db.seconds(), time.process_time()
    seconds = run_together(clients, per_client)
    client_spent = time.process_time() - client_before
    app_spent, db_spent = app.seconds() - app_before, db.seconds() - db_before
    outcomes = [o for c in clients for o in c.outcomes]
    for client in clients:
        client.connection.close()
    count = max(len(outcomes), 1)
    return Level(
        outcomes,
        seconds,
        summary(outcomes, seconds),
        1000 * app_spent / count,
        1000 * db_spent / count,
        os.getloadavg()[0],
        1000 * client_spent / count,
    )


def pooled(levels: list[Level]) -> Level:
    """Rounds of one level as one: every outcome, their time, CPU per request over all."""
    from ketamine_care.testing.traffic import summary

    if len(levels) == 1:
        return levels[0]
    outcomes = [o for level in levels for o in level.outcomes]
    seconds = sum(level.seconds for level in levels)
    counts = [max(len(level.outcomes), 1) for level in levels]
    total = sum(counts)
    return Level(
        outcomes,
        seconds,
        summary(outcomes, seconds),
        sum(level.app_ms * n for level, n in zip(levels, counts, strict=True)) / total,
        sum(level.db_ms * n for level, n in zip(levels, counts, strict=True)) / total,
        levels[-1].load,
        sum(level.client_ms * n for level, n in zip(levels, counts, strict=True)) / total,
    )
