"""Each instrument's newest active result for one patient, read in one query whatever the
history: one `LIMIT 1` walk down the `administration_timeline` index (patient, instrument,
time) per shipped instrument, joined by `UNION ALL`. Reading every rating newest first and
keeping the first of each instrument gave the same rows at a cost that grew with the history.
(Each branch sits in its own subquery: SQLite takes no `ORDER BY`/`LIMIT` on a bare compound
member.) Recording checks the instrument against the shipped definitions, so every stored
code is one of `list_codes()`."""

from __future__ import annotations

from ketamine_care.instruments.definition import list_codes
from ketamine_care.instruments.models import Administration


def latest_flags_by_code(patient) -> dict[str, list[str]]:
    """{instrument code: flags of its newest active result (by time, then id)}, for the
    instruments the patient has an active result of."""
    branches, params = [], []
    for i, code in enumerate(list_codes()):
        newest = (
            Administration.objects.active()
            .filter(patient=patient, instrument_code=code)
            .order_by("-administered_at", "-id")
            .values_list("id", "instrument_code", "flags")[:1]
        )
        sql, branch_params = newest.query.sql_with_params()
        branches.append(f"SELECT * FROM ({sql}) AS newest_{i}")
        params.extend(branch_params)
    rows = Administration.objects.raw(" UNION ALL ".join(branches), params)
    return {row.instrument_code: row.flags for row in rows}
