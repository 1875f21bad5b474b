"""Removing a lost authenticator, with four eyes: one clinic admin asks, a second clinic admin
of the clinic confirms. Only then are the person's authenticator and backup codes removed
and their sessions ended; they enrol a new authenticator at their next sign-in."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketamine_care.accounts.models import Membership, Role, SecondFactorReset, User
from ketamine_care.audit.services import record
from ketamine_care.core.errors import StateError


def pending_reset(membership: Membership) -> SecondFactorReset | None:
    return (
        SecondFactorReset.objects.select_related("requested_by")
        .filter(clinic=membership.clinic, user=membership.user, confirmed_at__isnull=True)
        .first()
    )


def request_second_factor_reset(
    *, membership: Membership, actor: User, request
) -> SecondFactorReset:
    user = membership.user
    if not TOTPDevice.objects.filter(user=user).exists():
        raise StateError("This person has no authenticator to reset.")
    try:
        with transaction.atomic():
            reset = SecondFactorReset.objects.create(
                clinic=membership.clinic, user=user, requested_by=actor
            )
            record(
                event_type="second_factor.reset_requested",
                actor=actor,
                clinic=membership.clinic,
                obj=user,
                request=request,
            )
    except IntegrityError as exc:
        raise StateError("A reset is already waiting for a second clinic admin.") from exc
    return reset


def confirm_second_factor_reset(*, membership: Membership, actor: User, request) -> None:
    with transaction.atomic():
        reset = (
            SecondFactorReset.objects.select_for_update(of=("self",), no_key=True)
            .filter(clinic=membership.clinic, user=membership.user, confirmed_at__isnull=True)
            .first()
        )
        if reset is None:
            raise StateError("No reset of this person's second factor is waiting.")
        if actor.pk in (reset.requested_by_id, reset.user_id):
            raise StateError(
                "A second clinic admin must confirm: not the one who asked, nor the person "
                "whose authenticator it is."
            )
        if not Membership.objects.filter(
            user=actor, clinic=membership.clinic, role=Role.CLINIC_ADMIN, is_active=True
        ).exists():
            raise StateError("Only a clinic admin of this clinic may confirm.")
        user = membership.user
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        reset.confirmed_by = actor
        reset.confirmed_at = timezone.now()
        reset.save(update_fields=["confirmed_by", "confirmed_at"])
        record(
            event_type="second_factor.reset",
            actor=actor,
            clinic=membership.clinic,
            obj=user,
            changes={"requested_by": str(reset.requested_by.public_id)},
            request=request,
        )
