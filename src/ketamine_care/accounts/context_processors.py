from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import Capability, has_capability


def clinic(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    others = (
        Membership.objects.select_related("clinic")
        .filter(user=request.user, is_active=True)
        .exclude(pk=membership.pk)
        .order_by("clinic__name")
    )
    return {
        "membership": membership,
        "current_clinic": membership.clinic,
        "other_memberships": list(others),
        "can": {cap.value: has_capability(membership, cap) for cap in Capability},
    }
