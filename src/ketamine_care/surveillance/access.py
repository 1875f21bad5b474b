"""Fetch-or-fail for surveillance alerts, scoped to the caller's clinic (404 otherwise)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.surveillance.models import SurveillanceAlert


def access_alert(membership, public_id: UUID | str, capability=None) -> SurveillanceAlert:
    """A surveillance alert of the membership's clinic, or Http404."""
    require(membership, capability or Capability.VIEW_SURVEILLANCE)
    try:
        return SurveillanceAlert.objects.select_related("patient", "check_row").get(
            clinic_id=membership.clinic_id, public_id=public_id
        )
    except (SurveillanceAlert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such alert") from exc
