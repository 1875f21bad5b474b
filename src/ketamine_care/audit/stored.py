"""An event's values as the database gives them back, so `record()` hashes what the verifier
will read: the hash is over the stored row, never over what Python happened to write.

- The client address: Django's GenericIPAddressField stores an IPv6 address cleaned
  (`clean_ipv6_address`: an IPv4-mapped one as `::ffff:198.51.100.2`, where Python writes
  `::ffff:c633:6402`), and PostgreSQL's inet prints an IPv4-compatible one in dotted form
  too (`::c633:6402` comes back as `::198.51.100.2`).
- JSON numbers: PostgreSQL's jsonb keeps a number as numeric, which has no exponent and no
  negative zero: a float Python writes with an exponent (`1e+20`, any float of 1e16 or more)
  comes back as an integer, `-0.0` as `0.0`. Every other float comes back as the same float
  (`1e-05` is stored as 0.00001 and read as 1e-05). `changes` is stored so on every backend.

Nothing here changes how an event is hashed (`chain.py`): only what `record()` stores.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from ketamine_care.audit.models import AuditEvent


def stored_ip(ip: str | None, vendor: str) -> str | None:
    """`ip` as the `client_ip` column of a database of `vendor` returns it."""
    value = AuditEvent._meta.get_field("client_ip").get_prep_value(ip) or None
    if value is None or vendor != "postgresql" or ":" not in value:
        return value
    try:
        packed = ipaddress.IPv6Address(value).packed
    except ValueError:  # not an address: the database refuses it as it did before
        return value
    if packed[:12] == bytes(12) and packed[12:14] != bytes(2):
        return f"::{ipaddress.IPv4Address(packed[12:])}"  # inet's IPv4-compatible form
    return value


def stored_json(changes: dict[str, Any] | None) -> dict[str, Any]:
    """`changes` as its JSON column returns it (dates and other objects become strings)."""
    return json.loads(json.dumps(changes or {}, default=str), parse_float=_stored_float)


def _stored_float(text: str) -> float | int:
    # `text` is repr(float) (what json.dumps writes): an exponent of "e+" only from 1e16 up,
    # where every float is a whole number that numeric keeps without a fraction.
    number = float(text)
    if "e+" in text:
        return int(number)
    return 0.0 if number == 0 else number
