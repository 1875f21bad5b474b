"""Secrets for e-mailed or printed links (self-report links, invitations): a random token,
signed so forgeries are refused before any database lookup. Only the SHA-256 of the random
part is stored, so a database leak does not leak usable links. Each kind of link has its own
salt, so a token of one kind never opens another."""

from __future__ import annotations

import hashlib
import secrets

from django.core import signing


def new_token(salt: str) -> tuple[str, str]:
    """(token for the URL, hash to store)."""
    raw = secrets.token_urlsafe(32)
    return signing.Signer(salt=salt).sign(raw), token_hash(raw)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def hash_from_url(token: str, salt: str) -> str | None:
    """The stored hash for a URL token, or None when the signature does not verify."""
    try:
        raw = signing.Signer(salt=salt).unsign(token)
    except (signing.BadSignature, UnicodeError):
        return None
    return token_hash(raw) if raw.isascii() else None


def unusable_hash() -> str:
    """A hash that no link opens (its secret is thrown away): what a row holds until the job
    that e-mails its link issues the real secret, or once its earlier link is withdrawn."""
    return token_hash(secrets.token_urlsafe(32))
