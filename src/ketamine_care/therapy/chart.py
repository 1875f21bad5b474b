"""What the therapy app adds to the patient chart (`patients`, below), registered in
`TherapyConfig.ready()`: the latest psychotherapy and integration sessions."""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.therapy.queries import sessions_of

RECENT = 5


def therapy_section(request, patient) -> dict | None:
    """The chart's "Psychotherapy and integration" section; None for roles without it."""
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.VIEW_THERAPY):
        return None
    return {
        "therapy_sessions": list(sessions_of(patient)[:RECENT]),
        "can_record_therapy": has_capability(membership, Capability.RECORD_THERAPY)
        and patient.is_active,
    }
