"""Small explicit builders that go through the services, so tests see real invariants."""

from __future__ import annotations

from datetime import date
from itertools import count

from ketamine_care.patients import services

_mrns = count(1)


def make_patient(*, clinic, actor, **overrides):
    values = {
        "mrn": f"MRN-{next(_mrns):05d}",
        "given_name": "Jamie",
        "family_name": "Rivera",
        "date_of_birth": date(1985, 4, 12),
        "sex": "female",
    }
    values.update(overrides)
    return services.register_patient(clinic=clinic, actor=actor, **values)


def months_before(day: date, months: int) -> date:
    """A birth date `months` completed calendar months before `day` (its day of the month 28
    at most, so that it exists in every month)."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))
