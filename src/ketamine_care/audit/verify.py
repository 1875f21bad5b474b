"""Walk the audit chains and report the first event that was altered, inserted or deleted."""

from __future__ import annotations

from dataclasses import dataclass

from ketamine_care.audit.chain import GENESIS_HASH, event_hash
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
)


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    event_id: int | None
    kind: str  # "altered", "inserted", "deleted"
    detail: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(chain: str) -> ChainReport:
    rows = AuditEvent.objects.filter(chain=chain).order_by("seq").values(*_FIELDS)
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    for row in rows.iterator(chunk_size=2000):
        count += 1
        problem = _check_row(row, expected_seq, prev_hash)
        if problem:
            return ChainReport(chain, count, problem)
        prev_hash, expected_seq = row["hash"], row["seq"] + 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    last_seq = expected_seq - 1
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        problem = ChainProblem(
            chain,
            last_seq + 1,
            None,
            "deleted",
            f"the chain ends at event {last_seq} but its head records event {head.last_seq}",
        )
        return ChainReport(chain, count, problem)
    return ChainReport(chain, count, None)


def _check_row(row: dict, expected_seq: int, prev_hash: str) -> ChainProblem | None:
    seq, chain, event_id = row["seq"], row["chain"], row["id"]
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
    if row["prev_hash"] != prev_hash:
        return ChainProblem(
            chain,
            seq,
            event_id,
            "inserted",
            f"event {seq} does not link to event {seq - 1} (inserted or re-linked)",
        )
    if event_hash(row) != row["hash"]:
        return ChainProblem(
            chain, seq, event_id, "altered", f"event {seq}'s content does not match its hash"
        )
    return None


def verify_all() -> list[ChainReport]:
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    chains |= set(AuditChainHead.objects.values_list("chain", flat=True))
    return [verify_chain(chain) for chain in sorted(chains)]
