"""Fetch-or-fail for protocol versions, scoped to the caller's clinic."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.protocols.models import ProtocolVersion


def access_version(membership, version_id: UUID | str, capability=None) -> ProtocolVersion:
    """A protocol version of the membership's clinic, or Http404; checks the capability."""
    require(membership, capability or Capability.VIEW_TREATMENT)
    try:
        return ProtocolVersion.objects.select_related("clinic_protocol").get(
            clinic_protocol__clinic_id=membership.clinic_id, public_id=version_id
        )
    except (ProtocolVersion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such protocol version") from exc
