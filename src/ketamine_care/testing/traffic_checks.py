"""After concurrent traffic (`traffic.py`): was every acknowledged write stored exactly once,
does every lot's balance equal the sum of its entries, and does the audit trail verify?
Returns the problems found, in words; an empty list means the database is right."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.db.models import Sum

from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.verify import verify_all
from ketamine_care.instruments.models import Administration
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.testing.traffic import Outcome
from ketamine_care.testing.ward import Ward
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    DoseAdministration,
    SessionAlert,
    TreatmentSession,
    VitalSignsReading,
)


def check_database(ward: Ward, outcomes: list[Outcome]) -> list[str]:
    done = [o for o in outcomes if o.acknowledged]
    problems: list[str] = []
    problems += _vitals(done)
    problems += _stored_once(done, "adverse", AdverseEvent, "adverse event")
    problems += _stored_once(done, "score", Administration, "score entry")
    problems += _stored_once(done, "draw", LedgerEntry, "ledger draw")
    problems += _acknowledgements(done)
    problems += _walks(ward, done)
    problems += _ledger(ward, done)
    problems += [
        f"audit chain {r.chain} is broken at {r.problem.seq}: {r.problem.detail}"
        for r in verify_all()
        if not r.ok
    ]
    return problems


def _vitals(done: list[Outcome]) -> list[str]:
    problems = []
    for o in done:
        if o.kind not in ("vitals", "vitals-retry"):
            continue
        key, count = o.sent["idempotency_key"], len(o.sent["readings"])
        stored = VitalSignsReading.objects.filter(
            session__public_id=o.path.split("/")[2], idempotency_key__startswith=f"{key}:"
        ).count()
        if stored != count:
            problems.append(f"vitals batch {key}: {count} acknowledged, {stored} stored")
        if o.kind == "vitals-retry" and (o.body["stored"], o.body["duplicates"]) != (0, count):
            problems.append(f"vitals retry {key} answered {o.body}, not {count} duplicates")
    return problems


def _stored_once(done: list[Outcome], kind: str, model, label: str) -> list[str]:
    ids = [o.body["id"] for o in done if o.kind == kind]
    found = Counter(
        str(i) for i in model.objects.filter(public_id__in=ids).values_list("public_id", flat=True)
    )
    return [
        f"{label} {i}: acknowledged, stored {found[str(i)]} times" for i in ids if found[i] != 1
    ]


def _acknowledgements(done: list[Outcome]) -> list[str]:
    problems = []
    for o in done:
        if o.kind != "ack":
            continue
        alert = SessionAlert.objects.get(public_id=o.body["id"])
        events = AuditEvent.objects.filter(
            event_type="session_alert.acknowledged", object_id=str(alert.public_id)
        ).count()
        if alert.acknowledged_at is None or events != 1:
            problems.append(f"alert {alert.public_id}: acknowledged, audited {events} times")
    return problems


def _walks(ward: Ward, done: list[Outcome]) -> list[str]:
    problems = []
    last_state: dict[str, str] = {}
    doses: Counter = Counter()
    for o in done:
        session = o.path.split("/")[2]
        if o.kind in ("transition", "dose"):
            last_state[session] = o.body["state"]
        if o.kind == "dose":
            doses[session] += 1
    for session in (s for own in ward.walks for s in own):
        row = TreatmentSession.objects.get(public_id=session)
        if session in last_state and row.state != last_state[session]:
            problems.append(f"session {session}: answered {last_state[session]}, is {row.state}")
        given = DoseAdministration.objects.filter(session=row)
        if given.count() != doses[session] or given.filter(ledger_entry__isnull=True).exists():
            problems.append(f"session {session}: {doses[session]} dose acknowledged, {given}")
    return problems


def _ledger(ward: Ward, done: list[Outcome]) -> list[str]:
    problems = []
    draws = LedgerEntry.objects.filter(lot__public_id__in=ward.lots, kind="draw").count()
    acknowledged = sum(o.kind in ("draw", "dose") for o in done)
    if draws != acknowledged:
        problems.append(f"{acknowledged} draws and doses acknowledged, {draws} draws stored")
    for lot in Lot.objects.filter(clinic__public_id=ward.clinic):
        total = lot.entries.aggregate(total=Sum("delta"))["total"] or Decimal(0)
        if total != lot.balance:
            problems.append(f"lot {lot.lot_number}: balance {lot.balance}, entries sum {total}")
    return problems
