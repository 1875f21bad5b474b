"""Fetch-or-fail for safety alerts, scoped to the caller's clinic."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.outcomes.models import SafetyAlert


def access_alert(membership, public_id: UUID | str, capability=None) -> SafetyAlert:
    """An alert of the membership's clinic, or Http404."""
    require(membership, capability or Capability.VIEW_MEASURES)
    try:
        return SafetyAlert.objects.select_related("patient", "administration").get(
            clinic_id=membership.clinic_id, public_id=public_id
        )
    except (SafetyAlert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such alert") from exc
