"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from ketamine_care.accounts.models import ApiToken, Clinic, Membership, User
from ketamine_care.accounts.permissions import second_factor_required
from ketamine_care.core.clock import activate_clinic_zone
from ketamine_care.core.compiled import TEXT, CompiledQuery


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        membership = token_membership(ApiToken.hash_token(token))
        if membership is None:
            return None
        row = ApiToken.from_db(
            None,
            ["id", "user_id", "clinic_id", "last_used_at", "scopes", "patient_context"],
            [
                membership.token_id,
                membership.user_id,
                membership.clinic_id,
                membership.token_used,
                membership.token_scopes,
                membership.token_patient,
            ],
        )
        now = timezone.now()
        # Write last-use at most once a minute: a device posting vitals should not write on
        # every request.
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = membership.user
        request.membership = membership
        request.api_token = row
        # The token names the clinic; CurrentClinicMiddleware resets the zone afterwards.
        activate_clinic_zone(membership.clinic)
        return membership.user


def token_membership(token_hash: str) -> Membership | None:
    """The active membership (with its user and clinic) that a usable token speaks for, in
    one query: the token is not revoked, its user is active, and the user is an active member
    of the token's clinic. `token_id`, `token_used` (its last use), `token_scopes` and
    `token_patient` (its patient context) ride along. Every API
    request asks this, so its query is compiled once per connection (`core.compiled`)."""
    using = router.db_for_read(Membership) or DEFAULT_DB_ALIAS
    rows = _TOKEN_MEMBERSHIP.rows(using, token_hash=token_hash)
    if not rows:
        return None
    values, objects = list(rows[0]), []
    for model, _ in _JOINED:
        names = _attnames(model)
        objects.append(model.from_db(using, names, values[: len(names)]))
        values = values[len(names) :]
    membership, membership.user, membership.clinic = objects
    (
        membership.token_id,
        membership.token_used,
        membership.token_scopes,
        membership.token_patient,
    ) = values
    return membership


def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


_JOINED = ((Membership, ""), (User, "user__"), (Clinic, "clinic__"))


def _token_membership_query(token_hash: str):
    token = FilteredRelation(
        "user__api_tokens",
        condition=Q(user__api_tokens__token_hash=token_hash, user__api_tokens__revoked_at=None),
    )
    columns = [f"{prefix}{name}" for model, prefix in _JOINED for name in _attnames(model)]
    return (
        Membership.objects.annotate(token=token)
        .filter(
            token__clinic_id=F("clinic_id"),
            is_active=True,
            user__is_active=True,
        )
        .annotate(
            token_id=F("token__id"),
            token_used=F("token__last_used_at"),
            token_scopes=F("token__scopes"),
            token_patient=F("token__patient_context"),
        )
        .order_by("pk")
        .values_list(*columns, "token_id", "token_used", "token_scopes", "token_patient")[:1]
    )


_TOKEN_MEMBERSHIP = CompiledQuery("token-membership", _token_membership_query, token_hash=TEXT)


class ClinicSessionAuth(SessionAuth):
    def _get_key(self, request):
        # No session cookie, no session to forge a request for: the request is simply
        # unauthenticated (401), not a failed CSRF check (403).
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or getattr(request, "membership", None) is None:
            return None
        if not user.is_verified() and second_factor_required(user):
            return None
        return user


api_auth = [BearerTokenAuth(), ClinicSessionAuth()]
