"""Canonical JSON and its SHA-256: how a piece of clinical data (a rule set, a list of alert
thresholds, an instrument definition) gets one name that changes whenever any of it does.

Canonical here means `json.dumps(value, sort_keys=True)` with Python's default separators and
ASCII escapes: the form screening verdicts have used for their rule-set digest since the first
release, so digests stored before and after this module compare equal for equal content.
Pure: no Django.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """`value` as canonical JSON text (keys sorted at every level)."""
    return json.dumps(value, sort_keys=True)


def sha256_digest(value: Any) -> str:
    """Hex SHA-256 of `value`'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
