"""Concurrent writers of one clinic's audit trail: no clinic-wide queue, and nothing lost.

While one transaction holds the clinic's chain head, another appends to a stripe of the chain
(`<clinic>/<n>`, a whole chain of its own) instead of waiting for the first to commit. Every
event is stored once, each transaction's events stay on one chain, and `audit-verify` and
`audit-anchor` pass over the main chain and its stripes.

On PostgreSQL the writers are threads with their own connections whose transactions really
overlap (each holds its head for a moment). On SQLite (one writer at a time) they run one after
the other, and everything lands on the main chain, as it does whenever requests come one at a
time.
"""

from __future__ import annotations

import json
import time
from functools import partial
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from ketamine_care.accounts.models import Clinic
from ketamine_care.audit.models import AuditChainHead, AuditEvent
from ketamine_care.audit.services import CHAIN_STRIPES, chain_key, chain_keys, record
from ketamine_care.audit.verify import verify_audit_trail
from ketamine_care.testing.races import at_once

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 6
EVENTS_PER_WRITER = 3


def _write(clinic_pk: int, writer: int) -> None:
    """One transaction that appends several events, holding its head a moment between them."""
    clinic = Clinic.objects.get(pk=clinic_pk)
    with transaction.atomic():
        for number in range(EVENTS_PER_WRITER):
            record(
                event_type="test.concurrent",
                clinic=clinic,
                object_type="writer",
                object_id=f"{writer}-{number}",
            )
            time.sleep(0.2)
    # And a read, audited in its own short transaction (autocommit), as a chart view is.
    record(event_type="test.read", clinic=clinic, object_type="writer", object_id=f"{writer}")


def _run_writers(clinic: Clinic) -> list[str]:
    """The writers' errors (none: each finished), the writers started together."""
    outcomes = at_once([partial(_write, clinic.pk, writer) for writer in range(WRITERS)])
    return [outcome for outcome in outcomes if outcome is not None]


def test_concurrent_writers_append_side_by_side_and_every_chain_verifies(
    _audit_guard_lifted_for_flush, tmp_path, settings
):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    clinic = Clinic.objects.create(name="Busy Clinic")
    record(event_type="test.opened", clinic=clinic)  # the clinic's main chain exists

    assert _run_writers(clinic) == []

    events = AuditEvent.objects.filter(clinic=clinic)
    writes = list(events.filter(event_type="test.concurrent").values_list("object_id", "chain"))
    assert sorted(object_id for object_id, _ in writes) == sorted(
        f"{w}-{n}" for w in range(WRITERS) for n in range(EVENTS_PER_WRITER)
    )
    assert events.filter(event_type="test.read").count() == WRITERS
    chains = {chain for _, chain in writes}
    assert chains <= set(chain_keys(chain_key(clinic)))
    for writer in range(WRITERS):  # one chain per transaction
        mine = {chain for object_id, chain in writes if object_id.startswith(f"{writer}-")}
        assert len(mine) == 1
    if connection.vendor == "postgresql":
        assert len(chains) > 1, "overlapping writers queued on one head"
    else:
        assert chains == {chain_key(clinic)}

    report = verify_audit_trail()
    assert report.ok, [r.problem for r in report.chains if not r.ok]
    heads = dict(AuditChainHead.objects.values_list("chain", "last_seq"))
    for chain in chains:
        seqs = sorted(AuditEvent.objects.filter(chain=chain).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1)) and heads[chain] == len(seqs)
    out = StringIO()
    call_command("audit-anchor", stdout=out)
    out = StringIO()
    call_command("audit-verify", "--json", stdout=out)
    verified = {c["chain"]: c for c in json.loads(out.getvalue())["chains"]}
    for chain in chains:
        assert verified[chain]["ok"] and verified[chain]["clinic"].startswith("Busy Clinic")


def test_events_one_at_a_time_stay_on_the_clinic_chain_and_a_transaction_on_one(
    _audit_guard_lifted_for_flush,
):
    clinic = Clinic.objects.create(name="Quiet Clinic")
    for number in range(3):
        record(event_type="test.alone", clinic=clinic, object_id=str(number))
    with transaction.atomic():
        for number in range(3):
            record(event_type="test.together", clinic=clinic, object_id=str(number))
    chains = set(AuditEvent.objects.filter(clinic=clinic).values_list("chain", flat=True))
    assert chains == {chain_key(clinic)}
    assert list(
        AuditEvent.objects.filter(clinic=clinic).order_by("seq").values_list("seq", flat=True)
    ) == list(range(1, 7))
    assert len(chain_keys(chain_key(clinic))) == CHAIN_STRIPES
    assert all(len(key) <= 40 for key in chain_keys(chain_key(clinic)))  # the column's width
