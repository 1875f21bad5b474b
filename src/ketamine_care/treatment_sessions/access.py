"""Fetch-or-fail for treatment sessions and their alerts, scoped to the caller's clinic."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.treatment_sessions.models import SessionAlert, TreatmentSession


def access_session(membership: Membership | None, public_id: UUID | str, capability=None):
    """Fetch a treatment session of the membership's clinic or raise Http404; check the
    capability (default: view sessions)."""
    require(membership, capability or Capability.VIEW_SESSIONS)
    try:
        return TreatmentSession.objects.select_related(
            "patient", "protocol_version__clinic_protocol", "clinic"
        ).get(clinic_id=membership.clinic_id, public_id=public_id)
    except (TreatmentSession.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such session") from exc


def access_session_alert(session, public_id: UUID | str) -> SessionAlert:
    """An alert of `session` (already accessed), or Http404."""
    try:
        return SessionAlert.objects.select_related("session").get(
            session=session, public_id=public_id
        )
    except (SessionAlert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
