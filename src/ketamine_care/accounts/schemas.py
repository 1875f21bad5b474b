from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    otp: str | None = Field(default=None, max_length=12)
    clinic: UUID | None = None
    name: str = Field(default="", max_length=100)


class TokenCreatedOut(Schema):
    token: str
    id: UUID
    clinic: UUID
    prefix: str


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    clinic: UUID
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ErrorOut(Schema):
    error: str
    message: str
    fields: dict[str, str]
