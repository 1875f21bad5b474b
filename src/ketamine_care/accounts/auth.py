"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from ketamine_care.accounts.models import ApiToken, Membership
from ketamine_care.accounts.permissions import second_factor_required
from ketamine_care.core.clock import activate_clinic_zone


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.usable()
            .select_related("user", "clinic")
            .filter(token_hash=ApiToken.hash_token(token))
            .first()
        )
        if row is None:
            return None
        membership = (
            Membership.objects.select_related("clinic")
            .filter(user=row.user, clinic=row.clinic, is_active=True)
            .first()
        )
        if membership is None:
            return None
        now = timezone.now()
        # Write last-use at most once a minute: a device posting vitals should not write on
        # every request.
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.membership = membership
        request.api_token = row
        # The token names the clinic; CurrentClinicMiddleware resets the zone afterwards.
        activate_clinic_zone(membership.clinic)
        return row.user


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
