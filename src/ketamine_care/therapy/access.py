"""Fetch-or-fail for therapy records: another clinic's records answer 404; a role without
the capability gets 403 (`accounts.permissions.require`)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.therapy.models import TherapyRiskAlert, TherapySession


def access_therapy_session(membership, public_id: UUID | str, capability=None) -> TherapySession:
    require(membership, capability or Capability.VIEW_THERAPY)
    try:
        found = TherapySession.objects.select_related("patient", "therapist", "signed_by").get(
            clinic_id=membership.clinic_id, public_id=public_id
        )
    except (TherapySession.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such therapy session") from exc
    found.patient.clinic = membership.clinic
    return found


def access_risk_alert(membership, public_id: UUID | str, capability) -> TherapyRiskAlert:
    require(membership, capability)
    try:
        found = TherapyRiskAlert.objects.select_related("patient", "therapy_session").get(
            clinic_id=membership.clinic_id, public_id=public_id
        )
    except (TherapyRiskAlert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such alert") from exc
    found.patient.clinic = membership.clinic
    return found
