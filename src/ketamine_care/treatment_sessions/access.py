"""Fetch-or-fail for treatment sessions and their alerts, scoped to the caller's clinic."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.treatment_sessions.models import SessionAlert, TreatmentSession

# The protocol version's large JSON (its definition alone is some 30 KB to decode).
PROTOCOL_JSON = (
    "protocol_version__definition",
    "protocol_version__clinic_values",
    "protocol_version__pinned_rules",
)


def access_session(
    membership: Membership | None,
    public_id: UUID | str,
    capability=None,
    *,
    protocol_json: bool = True,
):
    """Fetch a treatment session of the membership's clinic or raise Http404; check the
    capability (default: view sessions). `protocol_json=False` leaves the version's JSON
    unread until used (for callers that read the rules through `monitoring_for`'s caches,
    keyed by the version's id and saved time)."""
    require(membership, capability or Capability.VIEW_SESSIONS)
    rows = TreatmentSession.objects.select_related(
        "patient", "protocol_version__clinic_protocol", "clinic"
    )
    if not protocol_json:
        rows = rows.defer(*PROTOCOL_JSON)
    try:
        return rows.get(clinic_id=membership.clinic_id, public_id=public_id)
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
