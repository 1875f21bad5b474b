"""Many staff at once, on PostgreSQL, through a live multi-threaded server: 16 clients send
ordinary mixed traffic (vitals batches and retries, chart reads, score entries, alert
acknowledgements, ledger draws, adverse events, session transitions up to a dose drawn from a
lot). No request may answer 500 (a deadlock answers 500), every acknowledged write is stored
exactly once, every lot's balance is the sum of its entries and the audit trail verifies.
Beside them the outcomes registry rebuilds its course summaries over and over, as its job does:
neither may make the other fail (no deadlock between a request's stale mark and the job's
upsert), and afterwards the stale-only refresh gives exactly what a rebuild from scratch gives.

SQLite serialises writers, so there is no race to see there: the test runs under
`pytest --postgres` (part of `make test`), which fails rather than skips when no PostgreSQL
server can be started.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ketamine_care.accounts.models import Clinic
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.services import ROW_FIELDS, refresh_stale, refresh_summaries
from ketamine_care.testing.traffic import run_traffic, summary, unexpected
from ketamine_care.testing.traffic_checks import check_database
from ketamine_care.testing.ward import seed_ward

CLIENTS = 16
REQUESTS_PER_CLIENT = 12

# SQLite serialises writers, so the race cannot happen there: the SQLite pass leaves it out
# (`--all-tests` runs it, and it skips).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.only_on("postgresql")]


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: this race needs PostgreSQL (pytest --postgres)")


def test_mixed_traffic_from_16_clients_has_no_errors_and_loses_nothing(
    postgres_only, live_server, _audit_guard_lifted_for_flush
):
    ward = seed_ward(clients=CLIENTS)
    clinic = Clinic.objects.get(public_id=ward.clinic)
    stop, refresh_errors = threading.Event(), []
    refresher = threading.Thread(target=_refresh_until, args=(stop, clinic, refresh_errors))
    refresher.start()
    try:
        outcomes, seconds = run_traffic(
            live_server.url, ward, clients=CLIENTS, requests_per_client=REQUESTS_PER_CLIENT
        )
    finally:
        stop.set()
        refresher.join()
    assert refresh_errors == []
    stats = summary(outcomes, seconds)
    failed = [(o.kind, o.path, o.status, o.error) for o in outcomes if o.failed]
    assert failed == [], f"{len(failed)} of {stats['requests']} requests failed: {failed[:3]}"
    odd = [(o.kind, o.path, o.status, str(o.body)[:200]) for o in unexpected(outcomes)]
    assert odd == [], f"ordinary requests were refused: {odd[:3]}"
    kinds = {o.kind for o in outcomes if o.acknowledged}
    assert {"vitals", "read", "draw", "adverse", "score", "transition", "dose"} <= kinds
    assert check_database(ward, outcomes) == []
    # The registry: rebuild what was marked stale, then compare with a rebuild from scratch.
    refresh_stale(clinic=clinic)
    assert not CourseSummary.objects.filter(clinic=clinic, stale=True).exists()
    kept = _summaries(clinic)
    assert kept, "the ward's courses have summaries"
    refresh_summaries(clinic=clinic)
    assert _summaries(clinic) == kept


def _refresh_until(stop: threading.Event, clinic, errors: list) -> None:
    """The registry job's work in a loop: stale rows, then every row of the clinic."""
    try:
        while not stop.is_set():
            refresh_stale(clinic=clinic)
            refresh_summaries(clinic=clinic, batch_size=4)
    except Exception as exc:  # reported by the test, never swallowed
        errors.append(repr(exc))
    finally:
        connections.close_all()


def _summaries(clinic) -> dict:
    fields = [f for f in ROW_FIELDS if f not in ("stale", "refreshed_at")]
    rows = CourseSummary.objects.filter(clinic=clinic).order_by("plan_id")
    return {row["plan_id"]: row for row in rows.values("plan_id", *fields)}
