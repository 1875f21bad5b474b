"""Account writes: API tokens and clinic switching, each audited."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from ketamine_care.accounts.models import ApiToken, Membership
from ketamine_care.audit.services import record
from ketamine_care.core.errors import StateError


def issue_api_token(
    *, membership: Membership, name: str = "", request=None
) -> tuple[ApiToken, str]:
    """Create a token for the membership's user and clinic; return it with its one-time secret."""
    secret = "kc_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=membership.user,
            clinic=membership.clinic,
            name=name[:100],
            prefix=secret[:10],
            token_hash=ApiToken.hash_token(secret),
        )
        record(
            event_type="api_token.issued",
            actor=membership.user,
            clinic=membership.clinic,
            obj=token,
            changes={"new": {"name": token.name, "prefix": token.prefix}},
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
    from ketamine_care.accounts.middleware import SESSION_CLINIC_KEY

    request.session[SESSION_CLINIC_KEY] = str(membership.clinic.public_id)
    record(
        event_type="user.switched_clinic",
        actor=membership.user,
        clinic=membership.clinic,
        request=request,
    )
