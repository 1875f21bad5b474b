"""Staff administration by the clinic admin, each act audited: invitations (send, resend,
cancel, accept), role changes, memberships in another clinic, ending and restoring access,
and the clinic's own settings. Views call these; they never write audit events themselves.

E-mails name the clinic, the role and a link, nothing about any patient. They are background
jobs queued in the same transaction (`mail_jobs`): the link's secret is made when the job
runs, so neither the job table nor the invitation row ever holds a usable link."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ketamine_care.accounts.mail_jobs import (
    INVITATION_SALT,
    queue_invitation_mail,
)
from ketamine_care.accounts.models import (
    ApiToken,
    Clinic,
    Invitation,
    Membership,
    Role,
    User,
)
from ketamine_care.audit.services import record
from ketamine_care.core import secret_links
from ketamine_care.core.errors import StateError, ValidationFailed

LAST_ADMIN = (
    "This would leave the clinic without an active clinic admin. Give another person the "
    "clinic admin role first."
)


def invitation_lifetime() -> timedelta:
    return timedelta(hours=getattr(settings, "INVITATION_HOURS", 72))


def base_url_of(request) -> str:
    return request.build_absolute_uri("/")


def invite_user(
    *,
    clinic: Clinic,
    actor: User | None,
    email: str,
    full_name: str,
    role: str,
    request=None,
    base_url: str = "",
    queue_mail: bool = True,
) -> Invitation:
    """Invite `email` to join `clinic` as `role` and queue the e-mail with the link (made when
    the job runs). With `queue_mail=False` the caller issues and sends it itself (the
    command line, which prints the link). Links are absolute: from the request, or from
    `base_url` on the command line (no actor)."""
    email = email.strip().lower()
    if Membership.objects.filter(clinic=clinic, user__email__iexact=email).exists():
        raise ValidationFailed(
            "Check the fields marked.",
            fields={"email": "This person is already a member of this clinic."},
        )
    if Invitation.objects.pending().filter(clinic=clinic, email__iexact=email).exists():
        raise ValidationFailed(
            "Check the fields marked.",
            fields={"email": "This address already has an open invitation: resend it."},
        )
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            clinic=clinic,
            email=email,
            full_name=full_name.strip(),
            role=role,
            token_hash=secret_links.unusable_hash(),
            invited_by=actor,
            created_at=now,
            sent_at=now,
            expires_at=now + invitation_lifetime(),
        )
        record(
            event_type="invitation.sent",
            actor=actor,
            clinic=clinic,
            obj=invitation,
            changes={"new": {"email": email, "role": role}},
            request=request,
        )
        if queue_mail:
            queue_invitation_mail(
                invitation=invitation, base_url=base_url_of(request) if request else base_url
            )
    return invitation


def _pending(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update(of=("self",), no_key=True).get(pk=invitation.pk)
    if not locked.is_pending:
        raise StateError("This invitation was already accepted or cancelled.")
    return locked


def resend_invitation(*, invitation: Invitation, actor: User, request) -> Invitation:
    """A fresh link with a fresh expiry, e-mailed by a job; the previous link stops working
    at once."""
    now = timezone.now()
    with transaction.atomic():
        invitation = _pending(invitation)
        invitation.token_hash = secret_links.unusable_hash()
        invitation.sent_at = now
        invitation.expires_at = now + invitation_lifetime()
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
        record(
            event_type="invitation.resent",
            actor=actor,
            clinic=invitation.clinic,
            obj=invitation,
            request=request,
        )
        queue_invitation_mail(invitation=invitation, base_url=base_url_of(request))
    return invitation


def cancel_invitation(*, invitation: Invitation, actor: User, request) -> Invitation:
    with transaction.atomic():
        invitation = _pending(invitation)
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        record(
            event_type="invitation.cancelled",
            actor=actor,
            clinic=invitation.clinic,
            obj=invitation,
            request=request,
        )
    return invitation


def invitation_from_link(token: str) -> Invitation | None:
    """The invitation a link names, whatever its state, or None for a forged link."""
    digest = secret_links.hash_from_url(token, INVITATION_SALT)
    if digest is None:
        return None
    return Invitation.objects.select_related("clinic").filter(token_hash=digest).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why this link cannot be used, in words for the invitee, or None when it can."""
    if invitation is None:
        return "This invitation link is not valid. Ask your clinic admin for a new one."
    if invitation.accepted_at is not None:
        return "This invitation was already used. Sign in with your password instead."
    if invitation.cancelled_at is not None:
        return "This invitation was cancelled. Ask your clinic admin if you still need access."
    if invitation.is_expired():
        return "This invitation has expired. Ask your clinic admin to send it again."
    return None


def accept_invitation(*, invitation: Invitation, password: str, request) -> User:
    """Create the invitee's account (or use their existing one, its password already checked
    by the form) and their membership, once. The caller signs them in."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update(of=("self",), no_key=True).get(
            pk=invitation.pk
        )
        problem = invitation_problem(invitation)
        if problem:
            raise StateError(problem)
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            user = User.objects.create_user(
                invitation.email, password, full_name=invitation.full_name
            )
        Membership.objects.update_or_create(
            user=user,
            clinic=invitation.clinic,
            defaults={"role": invitation.role, "is_active": True},
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            event_type="invitation.accepted",
            actor=user,
            clinic=invitation.clinic,
            obj=invitation,
            changes={"new": {"role": invitation.role}},
            request=request,
        )
    # The invitee proved themself with the link and a password: sign-in uses the model
    # backend, as a password sign-in would.
    user.backend = "django.contrib.auth.backends.ModelBackend"
    return user


def _check_admin_remains(membership: Membership) -> None:
    """Refuse a change that removes the last active clinic admin of the membership's clinic.
    The admins' rows are locked so two admins demoting each other cannot both succeed."""
    admins = list(
        Membership.objects.select_for_update(of=("self",), no_key=True)
        .filter(clinic=membership.clinic, role=Role.CLINIC_ADMIN, is_active=True)
        .exclude(pk=membership.pk)
        .filter(user__is_active=True)
        .values_list("pk", flat=True)
    )
    if not admins:
        raise StateError(LAST_ADMIN)


def change_role(*, membership: Membership, role: str, actor: User, request) -> Membership:
    if role == membership.role:
        return membership
    with transaction.atomic():
        if membership.role == Role.CLINIC_ADMIN and membership.is_active:
            _check_admin_remains(membership)
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        record(
            event_type="membership.role_changed",
            actor=actor,
            clinic=membership.clinic,
            obj=membership.user,
            changes={"old": {"role": old}, "new": {"role": role}},
            request=request,
        )
    return membership


def deactivate_membership(*, membership: Membership, actor: User, request) -> Membership:
    """End the person's access to this clinic at once: the membership becomes inactive,
    every session of theirs ends and their API tokens for this clinic are revoked."""
    if not membership.is_active:
        raise StateError("This person's access has already ended.")
    now = timezone.now()
    with transaction.atomic():
        if membership.role == Role.CLINIC_ADMIN:
            _check_admin_remains(membership)
        membership.is_active = False
        membership.save(update_fields=["is_active", "updated_at"])
        revoked = ApiToken.objects.filter(
            user=membership.user, clinic=membership.clinic, revoked_at__isnull=True
        ).update(revoked_at=now)
        user = membership.user
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        record(
            event_type="membership.deactivated",
            actor=actor,
            clinic=membership.clinic,
            obj=user,
            changes={"tokens_revoked": revoked},
            request=request,
        )
    return membership


def reactivate_membership(*, membership: Membership, actor: User, request) -> Membership:
    if membership.is_active:
        raise StateError("This person already has access.")
    with transaction.atomic():
        membership.is_active = True
        membership.save(update_fields=["is_active", "updated_at"])
        record(
            event_type="membership.reactivated",
            actor=actor,
            clinic=membership.clinic,
            obj=membership.user,
            request=request,
        )
    return membership


def add_membership(*, user: User, clinic: Clinic, role: str, actor: User, request) -> Membership:
    """Give `user` a role in another clinic that `actor` also administers (checked by the
    form's choices and again here)."""
    if not Membership.objects.filter(
        user=actor, clinic=clinic, role=Role.CLINIC_ADMIN, is_active=True
    ).exists():
        raise StateError("You are not a clinic admin of that clinic.")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, clinic=clinic, defaults={"role": role}
        )
        if not created and membership.is_active:
            raise ValidationFailed(
                "Check the fields marked.",
                fields={"clinic": "This person already works in that clinic."},
            )
        membership.role = role
        membership.is_active = True
        membership.save(update_fields=["role", "is_active", "updated_at"])
        record(
            event_type="membership.added",
            actor=actor,
            clinic=clinic,
            obj=user,
            changes={"new": {"role": role}},
            request=request,
        )
    return membership


CLINIC_SETTINGS_FIELDS = ("name", "address", "security_contact_email", "time_zone")


def update_clinic_settings(*, clinic: Clinic, actor: User, values: dict, request) -> Clinic:
    changed = {f: values[f] for f in CLINIC_SETTINGS_FIELDS if getattr(clinic, f) != values[f]}
    if not changed:
        return clinic
    with transaction.atomic():
        old = {f: getattr(clinic, f) for f in changed}
        for field, value in changed.items():
            setattr(clinic, field, value)
        clinic.save(update_fields=[*changed, "updated_at"])
        record(
            event_type="clinic.settings_changed",
            actor=actor,
            clinic=clinic,
            obj=clinic,
            changes={"old": old, "new": changed},
            request=request,
        )
    return clinic
