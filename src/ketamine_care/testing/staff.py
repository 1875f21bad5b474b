"""Staff-administration fixtures: a pending invitation whose link is known to the test."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.accounts.models import Clinic, Invitation, Role, User
from ketamine_care.accounts.staffing import INVITATION_SALT
from ketamine_care.core import secret_links


def make_invitation(
    *,
    clinic: Clinic,
    admin: User,
    email: str = "invitee@test.clinic",
    role: str = Role.NURSE,
    hours: int = 72,
) -> Invitation:
    """A pending invitation; its link's token is on `invitation.token`."""
    token, digest = secret_links.new_token(INVITATION_SALT)
    invitation = Invitation.objects.create(
        clinic=clinic,
        email=email,
        full_name="Ivy Invitee",
        role=role,
        token_hash=digest,
        invited_by=admin,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    invitation.token = token
    return invitation
