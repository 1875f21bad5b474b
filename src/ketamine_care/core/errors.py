"""Domain errors. Each names the rule broken; the API maps them to HTTP once, in config/api.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A request that breaks a rule of the domain. `fields` names the offending inputs."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class NotPermitted(DomainError, PermissionDenied):
    """Raised for a role that lacks a capability; views answer 403 through PermissionDenied."""

    status_code = 403
    code = "forbidden"


class StateError(DomainError):
    """The record is in a state that does not allow this change (e.g. entered in error)."""

    status_code = 409
    code = "invalid_state"
