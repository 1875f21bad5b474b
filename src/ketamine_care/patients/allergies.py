"""The allergy status a header shows: the listed allergies, an explicit "no known drug
allergies", or "not recorded". Nobody may read an empty list as "no allergies"."""

from __future__ import annotations

from dataclasses import dataclass

# How an allergy list records "no known drug allergies": an entry with one of these words as
# its substance (case and spacing ignored), as allergy lists commonly code it.
NO_KNOWN_ALLERGY_WORDS = frozenset({"nkda", "no known drug allergies", "no known allergies"})


@dataclass(frozen=True)
class AllergySummary:
    """`status` is "listed", "none_known" or "not_recorded"; `entries` the listed allergies."""

    status: str
    entries: tuple


def is_no_known_allergy(substance: str) -> bool:
    return " ".join(substance.lower().split()) in NO_KNOWN_ALLERGY_WORDS


def summarise_allergies(rows, *, nkda_recorded: bool) -> AllergySummary:
    """A real allergy always wins over a stale "no known drug allergies" statement, whether
    the clinician recorded it on the chart (`nkda_recorded`) or as an allergy entry; an
    entry that only says "NKDA" is never shown as an allergy."""
    listed = tuple(r for r in rows if not is_no_known_allergy(r.substance))
    if listed:
        return AllergySummary("listed", listed)
    if rows or nkda_recorded:
        return AllergySummary("none_known", ())
    return AllergySummary("not_recorded", ())


def allergy_summary(patient) -> AllergySummary:
    return summarise_allergies(
        list(patient.allergies.active()), nkda_recorded=patient.nkda_recorded_at is not None
    )
