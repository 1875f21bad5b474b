"""Self-report link secrets (the shared pattern of `core.secret_links`, with the portal's
salt): only the SHA-256 of the random part is stored."""

from __future__ import annotations

from ketamine_care.core import secret_links
from ketamine_care.core.secret_links import token_hash

_SALT = "ketamine_care.portal.self_report_link"

__all__ = ["hash_from_url", "new_token", "token_hash"]


def new_token() -> tuple[str, str]:
    """(token for the URL, hash to store)."""
    return secret_links.new_token(_SALT)


def hash_from_url(token: str) -> str | None:
    """The stored hash for a URL token, or None when the signature does not verify."""
    return secret_links.hash_from_url(token, _SALT)
