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
