"""The second clinician who witnesses a controlled-substance removal (waste, transfer out, a
decrease) and confirms it in person with their own password.

Wrong witness passwords are throttled per witness, in the shared cache (see CACHES), and never
through the sign-in lock-out (django-axes): a colleague fumbling their password at the
bench, or someone guessing it, must not lock the witness out of signing in to see patients.
Once the limit is reached the witness cannot confirm anything until the cool-off ends; the
password is not even checked, so guessing stops there."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from ketamine_care.accounts.permissions import second_clinician_problem
from ketamine_care.audit.services import record
from ketamine_care.core.errors import ValidationFailed

_FIX = "Please correct the highlighted fields."


def check_witness(*, clinic, performer, witness) -> None:
    """A witness is another active user with an active clinical role (prescriber, medical
    director, nurse) in the same clinic."""
    problem = second_clinician_problem(clinic=clinic, performer=performer, other=witness)
    if problem:
        raise ValidationFailed(_FIX, fields={"witness": f"Witness: {problem}"})


def confirm_witness(
    *,
    clinic,
    actor,
    witness,
    password: str,
    request=None,
    field: str = "witness_password",
    who: str = "witness",
) -> None:
    """The witness confirms in person with their own password, so a removal cannot name a
    colleague who was not there. A failure is audited and counted against the witness's
    confirmations only. A dose's second clinician confirms the same way: `field` and `who`
    name the password field and the person in the errors."""
    if not password:
        raise ValidationFailed(_FIX, fields={field: f"The {who} enters their password to confirm."})
    key = _failures_key(witness)
    if (cache.get(key) or 0) >= settings.WITNESS_FAILURE_LIMIT:
        _audit_failure("ledger.witness_confirmation_throttled", clinic, actor, witness, request)
        minutes = settings.WITNESS_COOLOFF_SECONDS // 60
        raise ValidationFailed(
            _FIX,
            fields={
                field: (
                    f"Too many wrong passwords for this {who}: they can confirm again in "
                    f"{minutes} minutes, or ask another clinician to witness."
                )
            },
        )
    if not witness.check_password(password):
        _count_failure(key)
        _audit_failure("ledger.witness_confirmation_failed", clinic, actor, witness, request)
        raise ValidationFailed(_FIX, fields={field: f"The {who}'s password is not correct."})
    cache.delete(key)


def require_witness(*, clinic, actor, witness, password: str, request=None) -> None:
    """Both checks, in order: who may witness, then their in-person confirmation."""
    check_witness(clinic=clinic, performer=actor, witness=witness)
    confirm_witness(clinic=clinic, actor=actor, witness=witness, password=password, request=request)


def _failures_key(witness) -> str:
    return f"witness-failures:{witness.public_id}"


def _count_failure(key: str) -> None:
    # The window starts at the first failure (fixed window), like the sign-in lock-out.
    if not cache.add(key, 1, settings.WITNESS_COOLOFF_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.WITNESS_COOLOFF_SECONDS)


def _audit_failure(event_type: str, clinic, actor, witness, request) -> None:
    record(
        event_type=event_type,
        actor=actor,
        clinic=clinic,
        object_type="accounts.user",
        object_id=str(witness.public_id),
        request=request,
    )
