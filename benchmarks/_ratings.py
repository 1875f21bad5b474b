"""Rating-scale administrations for bulk-inserted benchmark histories: the row that
`record_administration` writes for a scorer's result (definition version and digest, total,
band, subscales, flags, risk), without its audit event and alert hooks."""

from __future__ import annotations

from datetime import datetime


def scored_administration(
    patient, user, definition, digest: str, result, *, administered_at: datetime, baseline: bool
):
    from ketamine_care.instruments.models import Administration

    return Administration(
        patient=patient,
        instrument_code=definition.code,
        definition_version=definition.version,
        definition_digest=digest,
        answers=result.item_values,
        total=result.total,
        band=result.band or "",
        subscales=result.subscales,
        flags=list(result.flags),
        risk=result.risk or "",
        administered_at=administered_at,
        time_point="baseline" if baseline else "follow_up",
        source="clinician",
        entered_by=user,
    )
