"""Shared set-up for benchmarks: a PostgreSQL database (DATABASE_URL, or a throwaway cluster)
with the schema migrated, and Django configured for in-process requests."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def start_django() -> Callable[[], None]:
    """Configure Django against PostgreSQL; return a function that cleans up."""
    stop = lambda: None  # noqa: E731
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        from ketamine_care.testing.postgres import start_cluster

        cluster = start_cluster()
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


def median_ms(call: Callable[[], object], repeat: int = 50, warmup: int = 5) -> float:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


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
