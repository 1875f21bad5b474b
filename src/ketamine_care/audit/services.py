"""Writing the audit trail. Call `record()` inside the transaction of the change it describes.
`anchor_chains()` writes each chain's head to the anchor file outside the database."""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from ketamine_care.audit import anchors
from ketamine_care.audit.anchors import AnchorProblem
from ketamine_care.audit.chain import GENESIS_HASH, event_mac, same
from ketamine_care.audit.keys import current_key, keyring
from ketamine_care.audit.models import AuditChainHead, AuditEvent
from ketamine_care.audit.stored import stored_ip, stored_json
from ketamine_care.audit.verify import verify_chain
from ketamine_care.core.compiled import TEXT, CompiledQuery, statement_cursor
from ketamine_care.core.middleware import client_ip
from ketamine_care.core.plain_insert import insert_all, insert_one_sql, saved

GLOBAL_CHAIN = "global"
# Each clinic's events go to its chain (key: the clinic's public id) and, while another
# transaction holds that chain's head, to one of its stripes ("<key>/1" ... "<key>/7"): whole
# chains of their own, each with its head, seq and links, verified and anchored like any
# chain. Requests of one clinic then append side by side instead of queueing on one row lock
# across their commits. Requests that come one at a time all land on the main chain.
CHAIN_STRIPES = 8


def chain_key(clinic) -> str:
    return str(clinic.public_id) if clinic is not None else GLOBAL_CHAIN


def chain_keys(key: str) -> list[str]:
    """A chain and its stripes, the main chain first."""
    return [key, *(f"{key}/{n}" for n in range(1, CHAIN_STRIPES))]


def record(
    *,
    event_type: str,
    actor=None,
    clinic=None,
    patient=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Append one event to the clinic's chain.

    Must run inside the caller's transaction so the event commits or rolls back with the change.
    A chain head row is locked (SELECT ... FOR NO KEY UPDATE) until the transaction ends, so
    each chain stays linear: the clinic's main chain, or a stripe of it that no other
    transaction holds (`_lock_head`).
    """
    if clinic is None and patient is not None:
        clinic = patient.clinic
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    # No savepoint of its own: an error here fails the caller's transaction, as it must.
    with transaction.atomic(savepoint=False):
        head = _lock_head(chain_key(clinic))
        content = {
            "chain": head.chain,
            "seq": head.last_seq + 1,
            "occurred_at": timezone.now(),
            "actor_id": getattr(actor, "pk", None) if actor and actor.is_authenticated else None,
            "clinic_id": getattr(clinic, "pk", None),
            "patient_id": getattr(patient, "pk", None),
            "event_type": event_type,
            "object_type": object_type,
            "object_id": object_id,
            # Hashed as the database will give them back (`stored`), so they verify.
            "changes": stored_json(changes),
            "request_id": getattr(request, "request_id", "") if request else "",
            "client_ip": stored_ip(client_ip(request), connection.vendor) if request else None,
            "prev_hash": head.last_hash,
        }
        signing_key = current_key()
        content["algorithm"] = signing_key.algorithm
        content["hash"] = event_mac(content, signing_key.secret)
        event = AuditEvent(**content)
        head.last_seq, head.last_hash = event.seq, event.hash
        if connection.vendor == "postgresql":
            _insert_and_advance(event, head)
        else:
            event = _insert(event)
            _advance_head(head)
    return event


def _insert_and_advance(event: AuditEvent, head: AuditChainHead) -> None:
    """PostgreSQL: the event's INSERT and the head's UPDATE in one statement (a
    data-modifying WITH), one round trip instead of two: the same row (`_insert`'s values,
    `core.plain_insert`) and the same head. Its text is the same on every audited request,
    so it is prepared once per connection (`core.compiled.statement_cursor`)."""
    insert, params = insert_one_sql(event, connection)
    quote, meta = connection.ops.quote_name, AuditChainHead._meta
    seq, digest, pk = (quote(meta.get_field(f).column) for f in ("last_seq", "last_hash", "id"))
    event_pk = quote(AuditEvent._meta.pk.column)
    sql = (
        f"WITH inserted AS ({insert}) "
        f"UPDATE {quote(meta.db_table)} SET {seq} = %s, {digest} = %s WHERE {pk} = %s "  # noqa: S608 (names)
        f"RETURNING (SELECT {event_pk} FROM inserted)"
    )
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, [*params, head.last_seq, head.last_hash, head.pk])
        found = cursor.fetchone()
    if found is None:
        # The head this transaction locked is gone: fail the caller's transaction.
        raise AuditChainHead.DoesNotExist(f"No chain head {head.pk} to advance")
    saved(event, found[0], connection.alias)


def _insert(event: AuditEvent) -> AuditEvent:
    """`AuditEvent.objects.create(**content)` without the ORM's INSERT being built again on
    every audited request: the same row (`core.plain_insert`; the model has no signals or
    save hooks). Where a backend cannot return the new key from that INSERT, `save()`."""
    if not connection.features.can_return_rows_from_bulk_insert:
        event.save(force_insert=True)
        return event
    return insert_all([event])[0]


def _advance_head(head: AuditChainHead) -> None:
    """`head.save(update_fields=["last_seq", "last_hash"])` without the ORM's UPDATE being
    built again on every audited request (the model has no signals or save hooks)."""
    quote, meta = connection.ops.quote_name, AuditChainHead._meta
    seq, digest, pk = (quote(meta.get_field(f).column) for f in ("last_seq", "last_hash", "id"))
    sql = f"UPDATE {quote(meta.db_table)} SET {seq} = %s, {digest} = %s WHERE {pk} = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [head.last_seq, head.last_hash, head.pk])


def _lock_head(key: str) -> AuditChainHead:
    """Lock and return the head this transaction appends to: the stripe it already holds
    (one chain per transaction), else the first of the clinic's chains that no other
    transaction holds (SKIP LOCKED: never waits), the main chain first. When every existing
    one is held, the next stripe is created; when all are, it waits for one of them."""
    keys = chain_keys(key)
    held = getattr(connection, "audit_stripe", None)
    held = held[1] if held and held[0] is _transaction_of(connection) else None
    values = {f"key{n}": k for n, k in enumerate(keys)}
    if held:
        found = _FREE_HEAD_HELD.rows(connection.alias, held=held, **values)
    else:
        found = _FREE_HEAD.rows(connection.alias, **values)
    head = AuditChainHead.from_db(connection.alias, HEAD_FIELDS, found[0]) if found else None
    if head is None:
        heads = AuditChainHead.objects.filter(chain__in=keys)
        existing = set(heads.values_list("chain", flat=True))
        missing = [k for k in keys if k not in existing]
        chosen = missing[0] if missing else random.choice(keys)
        head, _ = AuditChainHead.objects.select_for_update(of=("self",), no_key=True).get_or_create(
            chain=chosen, defaults={"last_hash": GENESIS_HASH}
        )
    connection.audit_stripe = (_transaction_of(connection), head.chain)
    return head


HEAD_FIELDS = ["id", "chain", "last_seq", "last_hash"]


def _free_heads(held=None, **keys):
    """The heads of a clinic's chains that no other transaction holds, the one this
    transaction already holds (`held`) first, then in order of creation."""
    free = AuditChainHead.objects.select_for_update(of=("self",), no_key=True, skip_locked=True)
    order = [Case(When(chain=held, then=Value(0)), default=Value(1)), "id"] if held else ["id"]
    rows = free.filter(chain__in=[keys[f"key{n}"] for n in range(CHAIN_STRIPES)])
    return rows.order_by(*order).values_list(*HEAD_FIELDS)[:1]


# Run by every audited request: compiled once per connection (`core.compiled`).
_KEYS = dict.fromkeys((f"key{n}" for n in range(CHAIN_STRIPES)), TEXT)
_FREE_HEAD = CompiledQuery("audit-free-head", _free_heads, **_KEYS)
_FREE_HEAD_HELD = CompiledQuery("audit-free-head-held", _free_heads, held=TEXT, **_KEYS)


def _transaction_of(conn):
    """The outermost atomic block: what the transaction holding a head is known by."""
    return conn.atomic_blocks[0] if conn.atomic_blocks else None


def record_read(
    *,
    event_type: str,
    actor,
    request=None,
    clinic=None,
    patient=None,
    obj=None,
    part: str = "",
    patients=None,
    count: int | None = None,
    query: str | None = None,
) -> AuditEvent:
    """Audit a read of patient data (HIPAA access accounting), in the request that shows it.

    One record, one event: `patient=` (a chart, a session, a signed note). A list (search
    results, the alerts list, the treatment floor): `patients=` the patients whose rows are
    shown, stored as public ids so each patient's accounting can find it, and `count` rows.
    `query` (search words, which are often a patient's name) is never stored as text: only a
    keyed digest (HMAC under the audit key, see `query_digest`) that an investigator holding
    the key can match against a name they suspect, and nobody else can read.
    """
    changes: dict[str, Any] = {}
    if part:
        changes["part"] = part
    if patients is not None:
        ids = list(dict.fromkeys(str(p.public_id) for p in patients))
        changes["patients"] = ids
        changes["count"] = len(ids) if count is None else count
    elif count is not None:
        changes["count"] = count
    if query is not None and query.strip():
        changes["query_digest"] = query_digest(query)
    return record(
        event_type=event_type,
        actor=actor,
        clinic=clinic if clinic is not None else getattr(patient, "clinic", None),
        patient=patient,
        obj=obj,
        changes=changes,
        request=request,
    )


def query_digest(query: str) -> str:
    """`<key id>:<16 hex>`: HMAC-SHA256 of the case-folded, space-normalised search words
    under the current audit key. Equal searches give equal digests under one key."""
    key = current_key()
    normalised = " ".join(query.casefold().split())
    mac = hmac.new(key.secret, b"search-query\0" + normalised.encode(), hashlib.sha256)
    return f"{key.key_id}:{mac.hexdigest()[:16]}"


@dataclass(frozen=True)
class AnchorResult:
    chain: str
    status: str  # "anchored", "unchanged" or "refused"
    seq: int
    hash: str
    detail: str = ""


@dataclass(frozen=True)
class AnchorRun:
    path: Path
    results: tuple[AnchorResult, ...]
    file_problems: tuple[AnchorProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.file_problems and all(r.status != "refused" for r in self.results)


def anchor_chains(*, path: Path | None = None, now: datetime | None = None) -> AnchorRun:
    """Append one signed line to the anchor file for each chain whose head moved.

    Idempotent: a chain whose latest anchor already records its head gets no new line. Each
    chain is verified from its latest anchor to its head first; one that fails is refused,
    because anchoring it would bless the tampering. Reads committed rows only and takes no
    database lock, so it never waits on, or holds up, a request. Concurrent runs queue on
    the file's lock.
    """
    keys = keyring()
    signing_key = current_key()
    stamp = (now or timezone.now()).isoformat(timespec="seconds")
    with anchors.appending(path) as (file_path, fd):
        log = anchors.read_anchors(file_path, keys)
        heads = AuditChainHead.objects.filter(last_seq__gt=0).order_by("chain")
        results = []
        for chain, last_seq, last_hash in heads.values_list("chain", "last_seq", "last_hash"):
            result = _anchor_one(chain, last_seq, last_hash, log, keys)
            if result.status == "anchored":
                line = anchors.format_line(
                    chain=chain,
                    seq=result.seq,
                    hash=result.hash,
                    anchored_at=stamp,
                    key=signing_key,
                )
                anchors.append_line(fd, line)
            results.append(result)
        seen = {r.chain for r in results}
        for chain in sorted(log.chains - seen):
            latest = log.latest(chain)
            detail = f"{latest.describe()} records it, but the database has no head for it"
            results.append(AnchorResult(chain, "refused", latest.seq, latest.hash, detail))
    return AnchorRun(file_path, tuple(results), log.problems)


def _anchor_one(chain, last_seq, last_hash, log, keys) -> AnchorResult:
    latest = log.latest(chain)
    if latest is not None and latest.seq == last_seq and same(latest.hash, last_hash):
        return AnchorResult(chain, "unchanged", last_seq, last_hash)
    report = verify_chain(chain, keys=keys, anchors=log.for_chain(chain), start=latest)
    if not report.ok:
        return AnchorResult(
            chain, "refused", report.last_seq, report.last_hash, report.problem.detail
        )
    return AnchorResult(chain, "anchored", report.last_seq, report.last_hash)
