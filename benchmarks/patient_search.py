"""Search-as-you-type and chart rendering with 100,000 patients on PostgreSQL.

Usage: .venv/bin/python benchmarks/patient_search.py [--patients N] [--repeat N]
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a throwaway cluster.
Prints median server time per request (Django test client, in process: no network).
Targets: search under 30 ms, chart under 50 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import bench_clinic_user, median_ms, start_django  # noqa: E402

GIVEN = [
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Maria",
    "David",
    "Aisha",
    "Chen",
    "Priya",
    "Lucas",
    "Sofia",
    "Omar",
    "Hana",
    "Mateo",
    "Grace",
    "Noah",
    "Elena",
    "Kofi",
]
FAMILY = [
    "Anders",
    "Baker",
    "Carver",
    "Dalton",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Walsh",
    "Young",
    "Zimmer",
]


def fill(clinic, count: int) -> None:
    from ketamine_care.patients.models import Patient

    rng = random.Random(7)
    existing = Patient.objects.filter(clinic=clinic).count()
    batch = []
    for number in range(existing, count):
        given = rng.choice(GIVEN)
        # A numeric suffix spreads family names so prefixes select realistic result sizes.
        family = f"{rng.choice(FAMILY)}{rng.randint(0, 999):03d}"
        patient = Patient(
            clinic=clinic,
            mrn=f"B{number:07d}",
            given_name=given,
            family_name=family,
            sex=rng.choice(["female", "male"]),
            date_of_birth=date(1940, 1, 1) + timedelta(days=rng.randint(0, 25000)),
        )
        patient.refresh_search_fields()
        batch.append(patient)
        if len(batch) == 5000:
            Patient.objects.bulk_create(batch)
            batch = []
    Patient.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from ketamine_care.patients import services
    from ketamine_care.patients.models import Patient

    clinic, user, token = bench_clinic_user("Benchmark Clinic", "bench@bench.clinic")
    fill(clinic, args.patients)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    patient = Patient.objects.filter(clinic=clinic).first()
    for _ in range(5):
        services.add_diagnosis(patient=patient, actor=user, icd10_code="F33.2", label="MDD")
        services.record_measurement(
            patient=patient, actor=user, weight=Decimal("80"), height=Decimal("175"), unit="metric"
        )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    web = Client()
    web.force_login(user)
    htmx = {"HX-Request": "true", "HX-Target": "patient-results"}
    total = Patient.objects.filter(clinic=clinic).count()
    print(f"patients in clinic: {total:,}; median of {args.repeat} requests each (ms)")
    rows = []
    for label, query in [
        ("no query (first page)", ""),
        ("one letter 'm'", "m"),
        ("name prefix 'ga'", "ga"),
        ("name prefix 'garcia1'", "garcia1"),
        ("given + family 'sam pat'", "sam pat"),
        ("MRN prefix 'b00123'", "b00123"),
        ("full MRN", "B0099999"),
        ("date of birth", "1975-06-01"),
    ]:
        api_ms = median_ms(lambda q=query: api.get("/api/v1/patients", {"q": q}), args.repeat)
        view_ms = median_ms(
            lambda q=query: web.get("/patients/", {"q": q}, headers=htmx), args.repeat
        )
        rows.append((label, api_ms, view_ms))
    print(f"{'search':<28}{'API':>10}{'HTMX view':>12}")
    for label, api_ms, view_ms in rows:
        print(f"{label:<28}{api_ms:>10.1f}{view_ms:>12.1f}")
    chart_ms = median_ms(lambda: web.get(f"/patients/{patient.public_id}/"), args.repeat)
    api_chart_ms = median_ms(lambda: api.get(f"/api/v1/patients/{patient.public_id}"), args.repeat)
    print(f"{'chart page (HTML)':<28}{chart_ms:>10.1f}")
    print(f"{'chart (API)':<28}{api_chart_ms:>10.1f}")


if __name__ == "__main__":
    main()
