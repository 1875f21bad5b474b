"""The audit chain's HMAC keys, read from settings (never from the database).

`AUDIT_HMAC_KEY` signs new events and anchors; `AUDIT_HMAC_OLD_KEYS` only verify what they
signed before a rotation. Each key is known by its key id (see `chain.key_id`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

from ketamine_care.audit.chain import HMAC_PREFIX, key_id


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes = field(repr=False)

    @property
    def algorithm(self) -> str:
        return HMAC_PREFIX + self.key_id


@lru_cache(maxsize=16)
def _key(secret: str) -> AuditKey:
    raw = secret.encode()
    return AuditKey(key_id(raw), raw)


def current_key() -> AuditKey:
    return _key(str(settings.AUDIT_HMAC_KEY))


def keyring() -> dict[str, AuditKey]:
    """Every key that may have signed an event or anchor, by key id (current key included)."""
    keys = [current_key(), *(_key(str(old)) for old in settings.AUDIT_HMAC_OLD_KEYS)]
    return {key.key_id: key for key in reversed(keys)}
