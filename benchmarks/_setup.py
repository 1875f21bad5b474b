"""Shared set-up for benchmarks: a durable PostgreSQL database (DATABASE_URL, or a throwaway
cluster with PostgreSQL's default durability) with the schema migrated, Django configured for
in-process requests, and the measuring and printing every benchmark shares: warm-up, repeats,
median with spread, the machine's load, and growth tables."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Scripts put this folder first on sys.path to import their helpers; `benchmarks/fhir.py` would
# then hide the installed `fhir` package (fhir.resources) from the app. The folder stays
# importable, after the installed packages.
_HERE = str(Path(__file__).resolve().parent)
if _HERE in sys.path:
    sys.path[:] = [p for p in sys.path if p != _HERE] + [_HERE]


def start_django() -> Callable[[], None]:
    """Configure Django against PostgreSQL; return a function that cleans up."""
    stop = lambda: None  # noqa: E731
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        from ketamine_care.testing.postgres import start_cluster

        cluster = start_cluster(durable=True)
        os.environ["DATABASE_URL"] = cluster.url
        stop = cluster.stop
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketamine_care.config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "k" * 50)
    os.environ.setdefault("AUDIT_HMAC_KEY", "benchmark-only-audit-" + "k" * 40)
    os.environ.update(DEBUG="False", SECURE_SSL_REDIRECT="False", REQUIRE_2FA="False")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    return stop


@dataclass(frozen=True)
class Timing:
    """Milliseconds per call over the repeats that followed the warm-up."""

    median: float
    p25: float
    p75: float
    low: float
    high: float
    repeats: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Timing:
        samples = sorted(samples)
        quartiles = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
        return cls(
            median=statistics.median(samples),
            p25=quartiles[0],
            p75=quartiles[2],
            low=samples[0],
            high=samples[-1],
            repeats=len(samples),
        )

    def __str__(self) -> str:
        return (
            f"median {self.median:8.1f} ms  (IQR {self.p25:.1f}-{self.p75:.1f}, "
            f"range {self.low:.1f}-{self.high:.1f}, n={self.repeats})"
        )


def measure(call: Callable[[], object], repeat: int = 50, warmup: int = 5) -> Timing:
    """Warm up, then time `repeat` calls; the median and its spread, never a single run."""
    for _ in range(warmup):
        call()
    return Timing.of([_time_ms(call) for _ in range(repeat)])


def _time_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def interleaved(calls: Sequence[Callable[[], object]], repeat: int, warmup: int) -> list[Timing]:
    """`measure` for each call, taken in rounds (one call of each size per round), so that
    the load of a shared machine drifting during the run weighs on every size alike."""
    for call in calls:
        for _ in range(warmup):
            call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(repeat):
        for index, call in enumerate(calls):
            samples[index].append(_time_ms(call))
    return [Timing.of(values) for values in samples]


def median_ms(call: Callable[[], object], repeat: int = 50, warmup: int = 5) -> float:
    return measure(call, repeat, warmup).median


def machine_load() -> str:
    """The 1-, 5- and 15-minute load averages and the core count, printed beside each figure:
    these machines are shared, and a figure means little without the load it was taken under."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def print_header(title: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        synchronous = cursor.fetchone()[0]
    print(f"== {title}")
    print(f"   PostgreSQL fsync={fsync} synchronous_commit={synchronous}; {machine_load()}")


def print_growth(
    title: str, rows: Sequence[tuple[str, Timing]], goal: float | None = None
) -> float:
    """A growth table: each size's timing and its ratio to the smallest size. Returns the
    ratio of the largest size to the smallest; `goal` is the ratio the issue allows."""
    print(f"-- {title}")
    base = rows[0][1].median
    width = max(len(label) for label, _ in rows)
    for label, timing in rows:
        ratio = timing.median / base if base else float("nan")
        print(f"   {label:<{width}}  {timing}  x{ratio:.2f}")
    growth = rows[-1][1].median / base if base else float("nan")
    verdict = ""
    if goal is not None:
        verdict = f" (goal <= x{goal:.2f}: {'met' if growth <= goal else 'NOT met'})"
    print(f"   growth x{growth:.2f}{verdict}; {machine_load()}")
    return growth


def bench_clinic_user(clinic_name: str, email: str):
    """A clinic with one prescriber, and a bearer token for them: (clinic, user, token)."""
    from ketamine_care.accounts.models import Clinic, Membership, User
    from ketamine_care.accounts.services import issue_api_token

    clinic, _ = Clinic.objects.get_or_create(name=clinic_name)
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, "benchmark-password", full_name="Benchmark user"
    )
    membership, _ = Membership.objects.get_or_create(
        user=user, clinic=clinic, defaults={"role": "prescriber"}
    )
    membership = Membership.objects.select_related("clinic", "user").get(pk=membership.pk)
    return clinic, user, issue_api_token(membership=membership)[1]
