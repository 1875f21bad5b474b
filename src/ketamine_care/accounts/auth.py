"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from ketamine_care.accounts.models import ApiToken, Clinic, Membership, User
from ketamine_care.accounts.permissions import second_factor_required
from ketamine_care.core.clock import activate_clinic_zone


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        membership = token_membership(ApiToken.hash_token(token))
        if membership is None:
            return None
        row = ApiToken.from_db(
            None,
            ["id", "user_id", "clinic_id", "last_used_at"],
            [membership.token_id, membership.user_id, membership.clinic_id, membership.token_used],
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
    of the token's clinic. `token_id` and `token_used` (its last use) ride along.

    Every API request asks this, so the query (`_token_membership_query`) is compiled once
    per database connection and then only run with the token's hash: building and compiling
    it cost more CPU than a whole `/healthz` answer."""
    alias = router.db_for_read(Membership) or DEFAULT_DB_ALIAS
    connection = connections[alias]
    prepared = getattr(connection, "token_membership_query", None)
    if prepared is None:
        prepared = connection.token_membership_query = _PreparedTokenQuery(alias)
    return prepared.run(connection, token_hash)


def _token_membership_query(token_hash: str, columns: list[str]):
    token = FilteredRelation(
        "user__api_tokens",
        condition=Q(user__api_tokens__token_hash=token_hash, user__api_tokens__revoked_at=None),
    )
    return (
        Membership.objects.annotate(token=token)
        .filter(
            token__clinic_id=F("clinic_id"),
            is_active=True,
            user__is_active=True,
        )
        .annotate(token_id=F("token__id"), token_used=F("token__last_used_at"))
        .order_by("pk")
        .values_list(*columns)[:1]
    )


class _PreparedTokenQuery:
    """`_token_membership_query` compiled once: its SQL with the hash as the one parameter to
    fill in, and the compiler that converts a row as the ORM would (time zones, booleans)."""

    HASH = "\x00token-hash\x00"  # a placeholder no real hash can equal

    def __init__(self, alias: str) -> None:
        self.models = [(Membership, ""), (User, "user__"), (Clinic, "clinic__")]
        self.names = [[f.attname for f in model._meta.concrete_fields] for model, _ in self.models]
        columns = [
            f"{prefix}{name}"
            for (_, prefix), names in zip(self.models, self.names, strict=True)
            for name in names
        ]
        query = _token_membership_query(self.HASH, [*columns, "token_id", "token_used"]).query
        self.compiler = query.get_compiler(using=alias)
        self.sql, params = self.compiler.as_sql()
        self.hash_at = [i for i, value in enumerate(params) if value == self.HASH]
        assert len(self.hash_at) == 1, "the hash must be the query's one placeholder"
        self.params = list(params)
        self.alias = alias

    def run(self, connection, token_hash: str) -> Membership | None:
        params = list(self.params)
        params[self.hash_at[0]] = token_hash
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(next(iter(self.compiler.results_iter(results=[[row]]))))
        objects = []
        for (model, _), names in zip(self.models, self.names, strict=True):
            objects.append(model.from_db(self.alias, names, values[: len(names)]))
            values = values[len(names) :]
        membership, membership.user, membership.clinic = objects
        membership.token_id, membership.token_used = values
        return membership


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
