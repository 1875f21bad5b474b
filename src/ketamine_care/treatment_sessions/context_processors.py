"""The *To sign* count badge in the navigation, for whoever signs session notes."""

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.treatment_sessions.queries import to_sign_count


def to_sign(request) -> dict:
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.SIGN_SESSION):
        return {}
    return {"to_sign_count": to_sign_count(membership.clinic)}
