"""Walk the audit chains and report the first event that was altered, inserted or deleted, or
that no longer matches an anchor written outside the database (truncated or re-hashed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max

from ketamine_care.audit.anchors import Anchor, AnchorLog, read_anchors
from ketamine_care.audit.chain import (
    GENESIS_HASH,
    HMAC_PREFIX,
    LEGACY_ALGORITHM,
    event_hash,
    event_mac,
    same,
)
from ketamine_care.audit.keys import AuditKey, current_key, keyring
from ketamine_care.audit.models import AuditChainHead, AuditEvent

_FIELDS = (
    "id",
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "clinic_id",
    "patient_id",
    "event_type",
    "object_type",
    "object_id",
    "changes",
    "request_id",
    "client_ip",
    "prev_hash",
    "hash",
    "algorithm",
)


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    event_id: int | None
    # "altered", "inserted", "deleted"; against anchors: "truncated", "rehashed";
    # "unverifiable" when an event names a key or algorithm this deployment does not hold.
    kind: str
    detail: str
    anchor: Anchor | None = None


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int
    problem: ChainProblem | None
    anchor: Anchor | None = None  # the highest anchor the chain was checked against
    last_seq: int = 0
    last_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class AuditReport:
    chains: tuple[ChainReport, ...]
    anchor_log: AnchorLog
    key_id: str

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.chains) and not self.anchor_log.problems


@dataclass
class _Cursor:
    """Where a walk stands: the next seq expected and the hash it must link to."""

    chain: str
    keys: dict[str, AuditKey]
    anchors: dict[int, list[Anchor]]
    prev_hash: str | None = GENESIS_HASH  # None: resuming at an anchor, link not checked
    next_seq: int = 1
    count: int = 0
    keyed: bool = False
    watch_seq: int | None = None  # the head's seq before the walk, and the hash found there
    watched_hash: str | None = None

    @property
    def last_seq(self) -> int:
        return self.next_seq - 1


def verify_chain(
    chain: str,
    *,
    keys: dict[str, AuditKey] | None = None,
    anchors: Iterable[Anchor] = (),
    start: Anchor | None = None,
) -> ChainReport:
    """Check one chain from its first event (or from `start`, an anchor already trusted),
    against its head and every anchor given. Safe while events are being written: the head
    is read before and after the walk, and events newer than the first read are welcome."""
    anchors = list(anchors) + ([start] if start else [])
    by_seq = defaultdict(list)
    for anchor in anchors:
        by_seq[anchor.seq].append(anchor)
    cursor = _Cursor(chain, keyring() if keys is None else keys, by_seq)
    if start is not None:
        cursor.prev_hash, cursor.next_seq, cursor.count = None, start.seq, start.seq - 1
        if not AuditEvent.objects.filter(chain=chain, seq=start.seq).exists():
            return _cut_below(chain, start)
    before = _head(chain)
    cursor.watch_seq = before["last_seq"] if before else None
    cursor.watched_hash = GENESIS_HASH if cursor.watch_seq == 0 else None
    problem = _walk(cursor) or _check_end(cursor, before, _head(chain), anchors)
    if problem:
        return ChainReport(chain, cursor.count, problem)
    highest = max(anchors, key=lambda a: (a.seq, a.line), default=None)
    return ChainReport(
        chain, cursor.count, None, highest, cursor.last_seq, cursor.prev_hash or GENESIS_HASH
    )


def _head(chain: str) -> dict | None:
    return AuditChainHead.objects.filter(chain=chain).values("last_seq", "last_hash").first()


def _walk(cursor: _Cursor) -> ChainProblem | None:
    rows = AuditEvent.objects.filter(chain=cursor.chain).order_by("seq").values(*_FIELDS)
    if cursor.next_seq > 1:
        rows = rows.filter(seq__gte=cursor.next_seq)
    for row in rows.iterator(chunk_size=2000):
        cursor.count += 1
        problem = _check_row(row, cursor) or _check_anchors(row, cursor)
        if problem:
            return problem
        if row["seq"] == cursor.watch_seq:
            cursor.watched_hash = row["hash"]
        cursor.keyed = cursor.keyed or row["algorithm"] != LEGACY_ALGORITHM
        cursor.prev_hash, cursor.next_seq = row["hash"], row["seq"] + 1
    return None


def _cut_below(chain: str, anchor: Anchor) -> ChainReport:
    last_seq = AuditEvent.objects.filter(chain=chain).aggregate(last=Max("seq"))["last"] or 0
    return ChainReport(chain, last_seq, _truncated(chain, last_seq, anchor))


def _truncated(chain: str, last_seq: int, anchor: Anchor) -> ChainProblem:
    return ChainProblem(
        chain,
        last_seq + 1,
        None,
        "truncated",
        f"the chain has {last_seq} events but {anchor.describe()} recorded {anchor.seq}: "
        "events were cut from its end",
        anchor,
    )


def _check_end(
    cursor: _Cursor, before: dict | None, after: dict | None, anchors: list[Anchor]
) -> ChainProblem | None:
    """The walk's end against the anchors and the head read before (`before`: every event up
    to it was committed, so must be there) and after it (`after`: the head never lags the
    events, which are written in the same transaction)."""
    chain, last_seq = cursor.chain, cursor.last_seq
    beyond = [a for a in anchors if a.seq > last_seq]
    if beyond:
        return _truncated(chain, last_seq, max(beyond, key=lambda a: (a.seq, a.line)))
    lagging = after is not None and after["last_seq"] < last_seq
    short = before is not None and before["last_seq"] > last_seq
    if lagging or short:
        head_seq = after["last_seq"] if lagging else before["last_seq"]
        return _head_problem(chain, last_seq, head_seq)
    if before is not None and cursor.watched_hash != before["last_hash"]:
        return _head_problem(chain, last_seq, before["last_seq"])
    if (
        after is not None
        and after["last_seq"] == last_seq
        and after["last_hash"] != (cursor.prev_hash or after["last_hash"])
    ):
        return _head_problem(chain, last_seq, after["last_seq"])
    return None


def _head_problem(chain: str, last_seq: int, head_seq: int) -> ChainProblem:
    return ChainProblem(
        chain,
        last_seq + 1,
        None,
        "deleted",
        f"the chain ends at event {last_seq} but its head records event {head_seq}"
        + (" with another hash" if head_seq == last_seq else ""),
    )


def _check_row(row: dict, cursor: _Cursor) -> ChainProblem | None:
    seq, chain, event_id, expected_seq = row["seq"], row["chain"], row["id"], cursor.next_seq
    if seq > expected_seq:
        return ChainProblem(
            chain,
            expected_seq,
            event_id,
            "deleted",
            f"event {expected_seq} is missing (next present is {seq})",
        )
    if seq < expected_seq:
        return ChainProblem(chain, seq, event_id, "inserted", f"event {seq} appears twice")
    if cursor.prev_hash is not None and row["prev_hash"] != cursor.prev_hash:
        return ChainProblem(
            chain,
            seq,
            event_id,
            "inserted",
            f"event {seq} does not link to event {seq - 1} (inserted or re-linked)",
        )
    return _check_hash(row, cursor)


def _check_hash(row: dict, cursor: _Cursor) -> ChainProblem | None:
    seq, chain, event_id, algorithm = row["seq"], row["chain"], row["id"], row["algorithm"]
    if algorithm == LEGACY_ALGORITHM:
        expected = event_hash(row)
    elif algorithm.startswith(HMAC_PREFIX) and algorithm[len(HMAC_PREFIX) :] in cursor.keys:
        expected = event_mac(row, cursor.keys[algorithm[len(HMAC_PREFIX) :]].secret)
    else:
        return ChainProblem(
            chain,
            seq,
            event_id,
            "unverifiable",
            f"event {seq} is signed with {algorithm!r}, a key this deployment does not hold "
            "(list retired keys in AUDIT_HMAC_OLD_KEYS)",
        )
    if not same(expected, row["hash"]):
        return ChainProblem(
            chain, seq, event_id, "altered", f"event {seq}'s content does not match its hash"
        )
    if algorithm == LEGACY_ALGORITHM and cursor.keyed:
        # Nothing writes unkeyed events once a chain is keyed: someone without the key
        # re-hashed this part of the chain.
        return ChainProblem(
            chain,
            seq,
            event_id,
            "rehashed",
            f"event {seq} is unkeyed (sha256) although earlier events are keyed",
        )
    return None


def _check_anchors(row: dict, cursor: _Cursor) -> ChainProblem | None:
    seq = row["seq"]
    for anchor in cursor.anchors.get(seq, ()):
        if not same(anchor.hash, row["hash"]):
            return ChainProblem(
                row["chain"],
                seq,
                row["id"],
                "rehashed",
                f"event {seq}'s hash {row['hash'][:12]}... differs from {anchor.hash[:12]}... "
                f"that {anchor.describe()} recorded: the chain was re-hashed or rewritten",
                anchor,
            )
    return None


def verify_audit_trail(*, anchor_log: AnchorLog | None = None) -> AuditReport:
    """Every chain (in the events, the heads or the anchor file) against the anchor file."""
    keys = keyring()
    log = anchor_log if anchor_log is not None else read_anchors(keys=keys)
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    chains |= set(AuditChainHead.objects.values_list("chain", flat=True))
    chains |= log.chains
    reports = tuple(
        verify_chain(chain, keys=keys, anchors=log.for_chain(chain)) for chain in sorted(chains)
    )
    return AuditReport(reports, log, current_key().key_id)


def verify_all() -> list[ChainReport]:
    """The chain reports of `verify_audit_trail()` (problems in the anchor file itself are
    in its `anchor_log`)."""
    return list(verify_audit_trail().chains)
