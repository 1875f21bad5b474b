from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from ketamine_care.accounts.models import DEFAULT_TOKEN_SCOPES

_SCOPE = r"(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)"
SCOPES_PATTERN = rf"^ *{_SCOPE}( +{_SCOPE})* *$"


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    otp: str | None = Field(default=None, max_length=12)
    clinic: UUID | None = None
    name: str = Field(default="", max_length=100)
    # SMART-style scopes for the FHIR API (docs/FHIR.md), space-separated; the role's
    # permissions still apply on top of them.
    scopes: str = Field(default=DEFAULT_TOKEN_SCOPES, max_length=300, pattern=SCOPES_PATTERN)


class TokenCreatedOut(Schema):
    token: str
    id: UUID
    clinic: UUID
    prefix: str
    scopes: str


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    clinic: UUID
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    scopes: str


class ErrorOut(Schema):
    error: str
    message: str
    fields: dict[str, str]
