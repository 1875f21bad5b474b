from ketamine_care.accounts.middleware import kept_memberships
from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import Capability, has_capability


def clinic(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "membership": membership,
        "current_clinic": membership.clinic,
        "other_memberships": _other_memberships(request, membership),
        "can": {cap.value: has_capability(membership, cap) for cap in Capability},
    }


def _other_memberships(request, membership: Membership) -> list[Membership]:
    """The user's other active memberships, by clinic name: those the middleware read for
    this request when the current one is among them, else read here."""
    kept = kept_memberships(request) if hasattr(request, "user") else None
    if kept is not None and any(m is membership for m in kept):
        return [m for m in kept if m.pk != membership.pk]
    return list(
        Membership.objects.select_related("clinic")
        .filter(user_id=membership.user_id, is_active=True)
        .exclude(pk=membership.pk)
        .order_by("clinic__name", "pk")
    )
