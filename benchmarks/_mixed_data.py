"""The clinic that `http_mixed.py` and `serve.py` drive: a ward (`testing.ward.seed_ward`: staff
with API tokens, sessions in monitoring, stocked lots, all through the services), a register of
patients that search pages through, and a year of weekly rating scales on each monitored
patient's chart.

The register and the ratings are bulk-inserted (`bulk_create`), not written one service call at
a time, but they are rows the app's own code would write: patients with their search fields
filled by `Patient.refresh_search_fields()`, administrations scored by the real scorer. The
bulk rows carry no audit event of their creation (the benchmark measures reading them, and
every read it makes is audited). Names and numbers are benchmark data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from _ratings import scored_administration

GIVEN = ("Alex", "Sam", "Jordan", "Maria", "David", "Aisha", "Chen", "Priya", "Lucas", "Sofia")
FAMILY = ("Baker", "Garcia", "Hughes", "Ibrahim", "Jensen", "Moreau", "Okafor", "Patel", "Rossi")
INSTRUMENTS = ("phq9", "gad7", "madrs")
# What staff type into the search box: name prefixes, given + family, an MRN prefix, a full
# MRN and a date of birth (the shapes of benchmarks/patient_search.py).
SEARCHES = ("ga", "garc", "garcia1", "sam pat", "chair", "b00012", "B0000042", "1975-06-01")


def seed_clinic(*, name: str, clients: int, patients: int, monitoring: int, weeks: int):
    """Seed the clinic; return its `Ward` (public ids and tokens only)."""
    from django.db import connection

    from ketamine_care.accounts.models import Clinic, Membership, Role
    from ketamine_care.patients.models import Patient
    from ketamine_care.testing.ward import seed_ward

    ward = seed_ward(clients=clients, walks_per_client=0, monitoring=monitoring, name=name)
    clinic = Clinic.objects.get(public_id=ward.clinic)
    _register(clinic, patients)
    prescriber = Membership.objects.filter(clinic=clinic, role=Role.PRESCRIBER).first().user
    for patient in Patient.objects.filter(public_id__in=ward.patients):
        _ratings(patient, prescriber, weeks)
    with connection.cursor() as cursor:
        # What autovacuum leaves a bulk load with, without waiting for it: the planner's
        # statistics, the visibility map the search's index-only scans need, and the name
        # trigram index's pending entries merged (patient_search.py does the same).
        cursor.execute("VACUUM ANALYZE")
    return ward


def _register(clinic, count: int) -> None:
    from ketamine_care.patients.models import Patient

    rng = random.Random(7)
    batch = []
    for number in range(count):
        patient = Patient(
            clinic=clinic,
            mrn=f"B{number:07d}",
            given_name=rng.choice(GIVEN),
            # A numeric suffix spreads family names so prefixes select realistic result sizes.
            family_name=f"{rng.choice(FAMILY)}{rng.randint(0, 999):03d}",
            sex=rng.choice(["female", "male"]),
            date_of_birth=date(1940, 1, 1) + timedelta(days=rng.randint(0, 25000)),
        )
        patient.refresh_search_fields()
        batch.append(patient)
    Patient.objects.bulk_create(batch, batch_size=5000)


def _ratings(patient, user, weeks: int) -> None:
    from django.utils import timezone

    from ketamine_care.demo.score_histories import answers_for_total
    from ketamine_care.instruments.definition import (
        content_digest,
        definition_content,
        load_definition,
    )
    from ketamine_care.instruments.models import Administration
    from ketamine_care.instruments.scoring import score

    digests = {code: content_digest(definition_content(code)) for code in INSTRUMENTS}

    rng = random.Random(str(patient.public_id))
    start = timezone.now() - timedelta(weeks=weeks)
    rows = []
    for week in range(weeks):
        for code in INSTRUMENTS:
            definition = load_definition(code)
            top = definition.total_range.max
            total = max(
                0, round(top * (0.65 - 0.35 * min(week, 12) / 12) * rng.uniform(0.85, 1.15))
            )
            fixed = {"phq9_9": 0} if code == "phq9" else None
            result = score(definition, answers_for_total(code, min(total, top), rng, fixed))
            administered_at = start + timedelta(weeks=week, hours=rng.randint(0, 8))
            rows.append(
                scored_administration(
                    patient, user, definition, digests[code], result,
                    administered_at=administered_at, baseline=week == 0,
                )
            )  # fmt: skip
    Administration.objects.bulk_create(rows, batch_size=500)
