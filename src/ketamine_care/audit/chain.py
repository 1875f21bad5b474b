"""Pure hashing for the audit chain: canonical JSON of an event's content plus the prev hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

GENESIS_HASH = "0" * 64
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


def _normalise(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def event_hash(content: Mapping) -> str:
    """SHA-256 over the canonical JSON of the hashed fields (sorted keys, no whitespace)."""
    payload = {name: _normalise(content.get(name)) for name in HASHED_FIELDS}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
