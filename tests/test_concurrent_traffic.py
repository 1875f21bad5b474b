"""Many staff at once, on PostgreSQL, through a live multi-threaded server: 16 clients send
ordinary mixed traffic (vitals batches and retries, chart reads, score entries, alert
acknowledgements, ledger draws, adverse events, session transitions up to a dose drawn from a
lot). No request may answer 500 (a deadlock answers 500), every acknowledged write is stored
exactly once, every lot's balance is the sum of its entries and the audit trail verifies.

SQLite serialises writers, so there is no race to see there: the test runs under
`pytest --postgres` (part of `make test`), which fails rather than skips when no PostgreSQL
server can be started.
"""

from __future__ import annotations

import pytest
from django.db import connection

from ketamine_care.testing.traffic import run_traffic, summary, unexpected
from ketamine_care.testing.traffic_checks import check_database
from ketamine_care.testing.ward import seed_ward

CLIENTS = 16
REQUESTS_PER_CLIENT = 12

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: this race needs PostgreSQL (pytest --postgres)")


def test_mixed_traffic_from_16_clients_has_no_errors_and_loses_nothing(
    postgres_only, live_server, _audit_guard_lifted_for_flush
):
    ward = seed_ward(clients=CLIENTS)
    outcomes, seconds = run_traffic(
        live_server.url, ward, clients=CLIENTS, requests_per_client=REQUESTS_PER_CLIENT
    )
    stats = summary(outcomes, seconds)
    failed = [(o.kind, o.path, o.status, o.error) for o in outcomes if o.failed]
    assert failed == [], f"{len(failed)} of {stats['requests']} requests failed: {failed[:3]}"
    odd = [(o.kind, o.path, o.status, str(o.body)[:200]) for o in unexpected(outcomes)]
    assert odd == [], f"ordinary requests were refused: {odd[:3]}"
    kinds = {o.kind for o in outcomes if o.acknowledged}
    assert {"vitals", "read", "draw", "adverse", "score", "transition", "dose"} <= kinds
    assert check_database(ward, outcomes) == []
