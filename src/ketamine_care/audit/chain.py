"""Pure hashing for the audit chain: canonical JSON of an event's content plus the prev hash.

Events written before the chain was keyed carry `algorithm = "sha256"` and a plain SHA-256
(anyone can recompute it). Newer events carry `algorithm = "hmac-sha256:<key id>"` and an
HMAC-SHA256 under the key of that id, so re-hashing them needs the key, which lives outside
the database. The key id is a short public fingerprint that names the key, never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

GENESIS_HASH = "0" * 64
LEGACY_ALGORITHM = "sha256"
HMAC_PREFIX = "hmac-sha256:"
HASHED_FIELDS = (
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
)
# A keyed event also binds its algorithm (and so its key id) into the MAC.
MAC_FIELDS = (*HASHED_FIELDS, "algorithm")
ANCHOR_FIELDS = ("v", "chain", "seq", "hash", "anchored_at", "key_id")
# Distinct prefixes keep a MAC made for one purpose from being valid for another.
_KEY_ID_LABEL = b"ketamine-care audit key id\n"
_EVENT_LABEL = b"ketamine-care audit event\n"
_ANCHOR_LABEL = b"ketamine-care audit anchor\n"


def _normalise(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def _canonical(content: Mapping, fields: tuple[str, ...]) -> bytes:
    payload = {name: _normalise(content.get(name)) for name in fields}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(content: Mapping) -> str:
    """Unkeyed SHA-256 over the canonical JSON of the hashed fields (events before keying)."""
    return hashlib.sha256(_canonical(content, HASHED_FIELDS)).hexdigest()


def event_mac(content: Mapping, secret: bytes) -> str:
    """HMAC-SHA256 under `secret` over the canonical JSON of the hashed fields and algorithm."""
    message = _EVENT_LABEL + _canonical(content, MAC_FIELDS)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def key_id(secret: bytes) -> str:
    """A public fingerprint of a key: 16 hex digits of an HMAC of a fixed label under it."""
    return hmac.new(secret, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def anchor_mac(fields: Mapping, secret: bytes) -> str:
    """HMAC-SHA256 of one anchor line's fields (everything but the MAC itself)."""
    return hmac.new(
        secret, _ANCHOR_LABEL + _canonical(fields, ANCHOR_FIELDS), hashlib.sha256
    ).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two hex digests."""
    return hmac.compare_digest(a.encode(), b.encode())
