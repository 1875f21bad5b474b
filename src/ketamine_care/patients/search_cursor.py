"""Where the next page of a patient search starts: after the patient its cursor names (a
keyset cursor over the search order's index, so no page skips the matches before it)."""

from __future__ import annotations

import uuid

from django.db.models import Q

from ketamine_care.core.errors import DomainError
from ketamine_care.patients.models import Patient

# The index order of every search (patient_search_order), ties broken by id.
ORDER = ("family_name_search", "given_name_search", "id")


class BadCursor(DomainError):
    pass


def after_cursor(clinic, cursor: str) -> Q:
    """The patients after the one `cursor` names (its public id) in the search order. A
    cursor that is not a patient of this clinic is a 400 naming `cursor`."""
    try:
        public_id = uuid.UUID(cursor)
    except (ValueError, AttributeError, TypeError):
        public_id = None
    last = (
        Patient.objects.filter(clinic=clinic, public_id=public_id).values_list(*ORDER).first()
        if public_id
        else None
    )
    if last is None:
        raise BadCursor(
            "The cursor is not a position in this search: start again from the first page.",
            fields={"cursor": "Unknown cursor; use the `next` value of the previous page."},
        )
    family, given, pk = last
    return Q(family_name_search__gte=family) & (
        Q(family_name_search__gt=family)
        | Q(family_name_search=family, given_name_search__gt=given)
        | Q(family_name_search=family, given_name_search=given, id__gt=pk)
    )
