"""Account writes, each audited: signing in and out, the second factor, API tokens and
clinic switching. Views call these; they never write audit events themselves."""

from __future__ import annotations

import secrets

from django.contrib.auth import login, logout
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from ketamine_care.accounts.mail_jobs import queue_password_reset_mail
from ketamine_care.accounts.middleware import SESSION_CLINIC_KEY
from ketamine_care.accounts.models import DEFAULT_TOKEN_SCOPES, ApiToken, Membership
from ketamine_care.audit.services import record
from ketamine_care.core.errors import StateError


def issue_api_token(
    *,
    membership: Membership,
    name: str = "",
    request=None,
    scopes: str = DEFAULT_TOKEN_SCOPES,
    patient_context=None,
) -> tuple[ApiToken, str]:
    """Create a token for the membership's user and clinic; return it with its one-time secret.
    `scopes` are SMART-style (space-separated); `patient_context` is the public id of the one
    patient a `patient/*.read` token reads."""
    secret = "kc_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=membership.user,
            clinic=membership.clinic,
            name=name[:100],
            prefix=secret[:10],
            token_hash=ApiToken.hash_token(secret),
            scopes=" ".join(scopes.split()),
            patient_context=patient_context,
        )
        record(
            event_type="api_token.issued",
            actor=membership.user,
            clinic=membership.clinic,
            obj=token,
            changes={"new": {"name": token.name, "prefix": token.prefix, "scopes": token.scopes}},
            request=request,
        )
    return token, secret


def revoke_api_token(*, token: ApiToken, actor, request=None) -> ApiToken:
    """Revoke a token; it answers 401 from then on."""
    if token.revoked_at is not None:
        raise StateError("This token is already revoked.")
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            event_type="api_token.revoked",
            actor=actor,
            clinic=token.clinic,
            obj=token,
            request=request,
        )
    return token


def switch_clinic(*, request, membership: Membership) -> None:
    request.session[SESSION_CLINIC_KEY] = str(membership.clinic.public_id)
    record(
        event_type="user.switched_clinic",
        actor=membership.user,
        clinic=membership.clinic,
        request=request,
    )


def record_failed_sign_in(*, email: str, request) -> None:
    """A refused sign-in (unknown address or wrong password), on the global chain."""
    record(event_type="user.sign_in_failed", changes={"email": email}, request=request)


def sign_in(*, request, user) -> None:
    """Start the user's session (authenticated by the caller) and record it."""
    login(request, user)
    record(event_type="user.signed_in", actor=user, request=request)


def sign_out(*, request) -> None:
    """Record the sign-out of whoever is signed in, then end the session."""
    if request.user.is_authenticated:
        record(event_type="user.signed_out", actor=request.user, request=request)
    logout(request)


def verify_second_factor(*, request, device) -> None:
    """Mark the session verified by `device` (its code already matched) and record it."""
    otp_login(request, device)
    record(event_type="user.second_factor_verified", actor=request.user, request=request)


def enrol_second_factor(*, request, device) -> None:
    """Confirm a new authenticator (its first code already matched), verify the session with
    it and record the enrolment, together."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        record(event_type="user.second_factor_enrolled", actor=request.user, request=request)


def request_password_reset(*, form, request) -> None:
    """Queue a reset e-mail (a job that makes the link when it runs) for the address if it
    belongs to someone with access (the form decides), and record the request either way, on
    the global chain. The request's answer does not wait for the mail server."""
    email = form.cleaned_data["email"]
    with transaction.atomic():
        for user in form.get_users(email):
            queue_password_reset_mail(
                user=user, domain=request.get_host(), use_https=request.is_secure()
            )
        record(
            event_type="user.password_reset_requested", changes={"email": email}, request=request
        )


def reset_password(*, form, request) -> None:
    """Set the new password from a valid reset link. The password hash changes, so every
    other session of the user ends and the link cannot be used again."""
    with transaction.atomic():
        user = form.save()
        record(event_type="user.password_reset", actor=user, request=request)


BACKUP_CODE_COUNT = 10


def generate_backup_codes(*, request) -> list[str]:
    """Replace the signed-in user's backup codes with new ones, each usable once in place of
    an authenticator code; return them to be shown once."""
    user = request.user
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="Backup codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        record(
            event_type="user.backup_codes_generated",
            actor=user,
            changes={"count": len(codes)},
            request=request,
        )
    return codes
