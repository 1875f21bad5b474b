"""Fetch-or-fail for treatment sessions and their alerts, scoped to the caller's clinic."""

from __future__ import annotations

import functools
import uuid
from uuid import UUID

from django.db import router
from django.http import Http404

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.core.compiled import INT, UUID_VALUE, CompiledQuery
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
    clinic_id = membership.clinic_id
    try:
        if type(clinic_id) is int and type(public_id) is uuid.UUID:
            # Every API path parameter is a UUID: the compiled query (see `_SESSION`).
            using = router.db_for_read(TreatmentSession) or "default"
            return _SESSION[protocol_json].get(
                TreatmentSession, using, clinic_id=clinic_id, public_id=public_id
            )
        rows = session_of_clinic(
            clinic_id=clinic_id, public_id=public_id, protocol_json=protocol_json
        )
        return rows.get()
    except (TreatmentSession.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such session") from exc


def session_of_clinic(*, clinic_id: int, public_id: UUID | str, protocol_json: bool = True):
    """The query of `access_session`, as `.get()` runs it (no ordering, at most 21 rows)."""
    rows = TreatmentSession.objects.select_related(
        "patient", "protocol_version__clinic_protocol", "clinic"
    )
    if not protocol_json:
        rows = rows.defer(*PROTOCOL_JSON)
    return rows.filter(clinic_id=clinic_id, public_id=public_id).order_by()[:21]


# Every session API request reads its session: compiled once per connection, with and
# without the version's JSON (building and compiling it cost more than running it).
_SESSION = {
    with_json: CompiledQuery(
        f"session-of-clinic:{with_json}",
        functools.partial(session_of_clinic, protocol_json=with_json),
        clinic_id=INT,
        public_id=UUID_VALUE,
    )
    for with_json in (True, False)
}


def access_session_alert(session, public_id: UUID | str) -> SessionAlert:
    """An alert of `session` (already accessed), or Http404."""
    try:
        return SessionAlert.objects.select_related("session").get(
            session=session, public_id=public_id
        )
    except (SessionAlert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
