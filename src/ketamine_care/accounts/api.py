from __future__ import annotations

from uuid import UUID

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Status
from ninja.errors import AuthenticationError

from ketamine_care.accounts.models import ApiToken, Membership
from ketamine_care.accounts.permissions import second_factor_required
from ketamine_care.accounts.schemas import ErrorOut, TokenCreatedOut, TokenIn, TokenOut
from ketamine_care.accounts.services import issue_api_token, revoke_api_token
from ketamine_care.core.errors import DomainError

router = Router(tags=["auth"])


class SecondFactorRequired(DomainError):
    status_code = 401
    code = "otp_required"


def _token_out(token: ApiToken) -> dict:
    return {
        "id": token.public_id,
        "name": token.name,
        "prefix": token.prefix,
        "clinic": token.clinic.public_id,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "scopes": token.scopes,
    }


@router.post(
    "/tokens",
    auth=None,
    response={201: TokenCreatedOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
)
def create_token(request, payload: TokenIn):
    try:
        user = authenticate(request, email=payload.email.lower(), password=payload.password)
    except PermissionDenied as exc:  # django-axes lock-out
        raise PermissionDenied("Too many failed sign-ins; try again later.") from exc
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise PermissionDenied("Too many failed sign-ins; try again later.")
        raise AuthenticationError
    if second_factor_required(user):
        from django_otp import match_token

        if not payload.otp:
            raise SecondFactorRequired(
                "A one-time code is required.",
                fields={"otp": "Enter the code from your authenticator."},
            )
        if match_token(user, payload.otp) is None:
            raise SecondFactorRequired(
                "The one-time code is wrong or expired.",
                fields={"otp": "The code is wrong or expired."},
            )
    memberships = Membership.objects.select_related("clinic", "user").filter(
        user=user, is_active=True
    )
    if payload.clinic:
        memberships = memberships.filter(clinic__public_id=payload.clinic)
    membership = memberships.order_by("clinic__name").first()
    if membership is None:
        raise PermissionDenied("This account has no active membership in that clinic.")
    token, secret = issue_api_token(
        membership=membership, name=payload.name, request=request, scopes=payload.scopes
    )
    body = {
        "token": secret,
        "id": token.public_id,
        "clinic": membership.clinic.public_id,
        "prefix": token.prefix,
        "scopes": token.scopes,
    }
    return Status(201, body)


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request):
    tokens = ApiToken.objects.select_related("clinic").filter(user=request.user)
    return [_token_out(t) for t in tokens]


@router.delete("/tokens/{token_id}", response={200: TokenOut})
def revoke_token(request, token_id: UUID):
    token = (
        ApiToken.objects.select_related("clinic")
        .filter(user=request.user, public_id=token_id)
        .first()
    )
    if token is None:
        raise Http404
    revoke_api_token(token=token, actor=request.user, request=request)
    return Status(200, _token_out(token))
