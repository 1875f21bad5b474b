"""Resolve the user's current clinic, activate its time zone, and enforce the second factor
for roles that need it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import has_second_factor, second_factor_required
from ketamine_care.core.clock import activate_clinic_zone

SESSION_CLINIC_KEY = "clinic_id"

# Paths a signed-in user may reach before completing two-factor authentication.
_TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/")
# ... except the clinic admin's pages, which change who may sign in.
_TWO_FACTOR_GUARDED_PREFIXES = ("/accounts/administration/",)


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the request acts in: the clinic chosen in the session, else the user's
    first active membership by clinic name."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = active_memberships(request)
    clinic_id = request.session.get(SESSION_CLINIC_KEY)
    if clinic_id:
        for membership in memberships:
            if str(membership.clinic.public_id) == str(clinic_id):
                return membership
    return memberships[0] if memberships else None


def active_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's active memberships with their clinics, by clinic name, in one
    query, read once per request and user: the current clinic is chosen from them, and the
    page's clinic switcher lists the others (`context_processors.clinic`)."""
    user = request.user
    kept = kept_memberships(request)
    if kept is not None:
        return kept
    memberships = list(
        Membership.objects.select_related("clinic")
        .filter(user=user, is_active=True)
        .order_by("clinic__name", "pk")
    )
    setattr(request, _KEPT_MEMBERSHIPS, (user.pk, memberships))
    return memberships


def kept_memberships(request: HttpRequest) -> list[Membership] | None:
    """What `active_memberships` read for this request's user, if it ran."""
    kept = getattr(request, _KEPT_MEMBERSHIPS, None)
    if kept is None or kept[0] != request.user.pk:
        return None
    return kept[1]


_KEPT_MEMBERSHIPS = "_active_memberships"


class CurrentClinicMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = current_membership(request)
        # Times shown and parsed on this request are the clinic's; a worker thread serves
        # other clinics next, so the zone is reset when the response is done.
        activate_clinic_zone(request.membership.clinic if request.membership else None)
        try:
            if self._needs_second_factor(request):
                target = (
                    "accounts:otp_verify"
                    if has_second_factor(request.user)
                    else "accounts:otp_setup"
                )
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
            return self.get_response(request)
        finally:
            activate_clinic_zone(None)

    @staticmethod
    def _needs_second_factor(request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return False
        guarded = request.path.startswith(_TWO_FACTOR_GUARDED_PREFIXES)
        if request.path.startswith(_TWO_FACTOR_EXEMPT_PREFIXES) and not guarded:
            return False
        # A user who enrolled a device always uses it; enrolment is mandatory for some roles.
        return second_factor_required(user)
