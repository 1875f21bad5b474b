"""Reads of screening verdicts for other screens."""

from __future__ import annotations

from ketamine_care.screening.models import ScreeningVerdict

_RECENT = 50


def eligible_protocol_id(patient, verdicts=None) -> str | None:
    """The protocol whose latest verdict for the patient permits treatment (eligible, with
    cautions, or overridden), the most recently screened first; None when there is none. A
    protocol screened again with a worse verdict no longer counts: only its latest verdict
    does. `verdicts`, newest first, spares the query where a page has loaded them."""
    seen: set[str] = set()
    if verdicts is None:
        verdicts = ScreeningVerdict.objects.filter(patient=patient).order_by(
            "-evaluated_at", "-id"
        )[:_RECENT]
    for verdict in verdicts:
        if verdict.protocol_id in seen:
            continue
        seen.add(verdict.protocol_id)
        if verdict.permits_treatment:
            return verdict.protocol_id
    return None
