"""Anchors: each chain's head (event count and last hash), written outside the database.

A line of the append-only anchor file (`AUDIT_ANCHOR_FILE`, by default
`KC_DATA_DIR/audit-anchors.jsonl`) says "chain C had `seq` events and its last hash was H at
this time", signed with the audit HMAC key. Someone who can rewrite the database can cut the
tail and rewind the head, or re-hash every event, and the chain still links; but the events
no longer match what the file recorded, and `audit-verify` says so. Forging a line needs the
key, and only lines are ever added (the writer opens the file for appending).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ketamine_care.audit.chain import anchor_mac, same
from ketamine_care.audit.keys import AuditKey, keyring

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Anchor:
    chain: str
    seq: int
    hash: str
    anchored_at: str
    key_id: str
    line: int

    def describe(self) -> str:
        return f"the anchor of {self.anchored_at} (line {self.line})"


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    chain: str | None
    detail: str


@dataclass(frozen=True)
class AnchorLog:
    path: Path
    exists: bool
    lines: int
    by_chain: dict[str, tuple[Anchor, ...]]  # valid anchors only, in file order
    problems: tuple[AnchorProblem, ...]

    def for_chain(self, chain: str) -> tuple[Anchor, ...]:
        return self.by_chain.get(chain, ())

    def latest(self, chain: str) -> Anchor | None:
        return max(self.for_chain(chain), key=lambda a: (a.seq, a.line), default=None)

    @property
    def chains(self) -> set[str]:
        return set(self.by_chain)

    @property
    def valid(self) -> int:
        return sum(len(anchors) for anchors in self.by_chain.values())


def anchor_path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def format_line(*, chain: str, seq: int, hash: str, anchored_at: str, key: AuditKey) -> str:
    fields = {
        "v": FORMAT_VERSION,
        "chain": chain,
        "seq": seq,
        "hash": hash,
        "anchored_at": anchored_at,
        "key_id": key.key_id,
    }
    fields["mac"] = anchor_mac(fields, key.secret)
    return json.dumps(fields, sort_keys=True, separators=(",", ":")) + "\n"


def parse_line(text: str, number: int, keys: dict[str, AuditKey]) -> Anchor | AnchorProblem:
    """One line of the file: a valid, signed anchor, or the problem that makes it unusable."""
    try:
        fields = json.loads(text)
    except ValueError:
        return AnchorProblem(number, None, "is not valid JSON")
    if not isinstance(fields, dict):
        return AnchorProblem(number, None, "is not a JSON object")
    chain = fields.get("chain") if isinstance(fields.get("chain"), str) else None
    seq, digest, mac = fields.get("seq"), fields.get("hash"), fields.get("mac")
    if (
        fields.get("v") != FORMAT_VERSION
        or chain is None
        or type(seq) is not int
        or seq < 1
        or not isinstance(digest, str)
        or not isinstance(mac, str)
        or not isinstance(fields.get("anchored_at"), str)
    ):
        return AnchorProblem(number, chain, "is not a version-1 anchor (v, chain, seq, hash, mac)")
    key = keys.get(fields.get("key_id"))
    if key is None:
        return AnchorProblem(
            number,
            chain,
            f"is signed with unknown key id {fields.get('key_id')!r}"
            " (list retired keys in AUDIT_HMAC_OLD_KEYS)",
        )
    if not same(anchor_mac(fields, key.secret), mac):
        return AnchorProblem(
            number, chain, "has a signature that does not match (forged or edited)"
        )
    # Interned: a long file repeats the same few chain ids on every line.
    return Anchor(sys.intern(chain), seq, digest, fields["anchored_at"], key.key_id, number)


def read_anchors(path: Path | None = None, keys: dict[str, AuditKey] | None = None) -> AnchorLog:
    path = path or anchor_path()
    keys = keyring() if keys is None else keys
    if not path.exists():
        return AnchorLog(path, False, 0, {}, ())
    by_chain, problems, number = defaultdict(list), [], 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            parsed = parse_line(text, number, keys)
            if isinstance(parsed, Anchor):
                by_chain[parsed.chain].append(parsed)
            else:
                problems.append(parsed)
    anchors = {chain: tuple(found) for chain, found in by_chain.items()}
    return AnchorLog(path, True, number, anchors, tuple(problems))


@contextmanager
def appending(path: Path | None = None) -> Iterator[tuple[Path, int]]:
    """Open the anchor file for appending only, under an exclusive lock (one writer at a time).

    Yields the path and the file descriptor; lines written to it always land at the end.
    """
    path = path or anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A line cut short by a crash stays a bad line, but must not swallow the next one.
        size = os.fstat(fd).st_size
        if size and _last_byte(path, size) != b"\n":
            os.write(fd, b"\n")
        yield path, fd
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the lock


def _last_byte(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1)


def append_line(fd: int, line: str) -> None:
    os.write(fd, line.encode())
