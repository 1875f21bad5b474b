"""Patient search at 10^4, 10^5 and 10^6 patients on a durable PostgreSQL.

Usage: .venv/bin/python benchmarks/patient_search.py [--sizes 10000,100000,1000000]
       [--repeat N] [--explain]

Every query shape of search-as-you-type is timed through the API in process (Django test
client, no network; the audit record of each page is written and committed, as in
production): the median of `--repeat` requests after a warm-up, with the spread and the
machine's load, then one growth table per shape. Goal (issue 13): p50 < 30 ms at 10^6
patients for every shape. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of the main queries
at the largest size (docs/PERFORMANCE.md).

The patients are made with bulk SQL (INSERT ... SELECT generate_series), one clinic at the
size measured plus a second clinic with a tenth as many and the same kind of names (whose
patients must never appear). The rows are what `services.register_patient` writes: active,
a unique MRN per clinic, stripped names with their lower-cased search copies
(`Patient.refresh_search_fields`), a sex from the choices and a past date of birth.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import (  # noqa: E402
    bench_clinic_user,
    measure,
    print_growth,
    print_header,
    start_django,
)

GIVEN = (
    "Alex Sam Jordan Taylor Maria David Aisha Chen Priya Lucas Sofia Omar Hana Mateo Grace "
    "Noah Elena Kofi Ingrid Tomas Yara Ravi Leila Oscar Mina Felix Nadia Hugo Ines Kenji"
).split()
# Family names are three syllables: 24^3 = 13,824 distinct names, no two clinics alike.
SYLLABLES = (
    "ka lo mar ten vis or bel quin dra sto wel han rit ces lum gor pen ad fe ny ul sev jo tri"
).split()

FILL_SQL = """
WITH hashed AS (
    -- Knuth's multiplicative hash: names spread over the alphabet, not in insertion order.
    SELECT n, (n * 2654435761) %% 4294967296 AS h
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS n
), numbered AS (
    SELECT n, h %% 24 AS a, (h / 24) %% 24 AS b, (h / 576) %% 24 AS c,
           (h / 13824) %% %(given_count)s AS g
    FROM hashed
), named AS (
    SELECT n, (%(given)s::text[])[g + 1] AS given,
           initcap((%(syl)s::text[])[a + 1] || (%(syl)s::text[])[b + 1]
                   || (%(syl)s::text[])[c + 1]) AS family,
           %(prefix)s || lpad(n::text, 7, '0') AS mrn
    FROM numbered
)
INSERT INTO patients_patient (
    public_id, created_at, updated_at, clinic_id, mrn, given_name, family_name,
    date_of_birth, sex, phone, email, given_name_search, family_name_search, mrn_search,
    status, entered_in_error_reason
)
SELECT gen_random_uuid(), now(), now(), %(clinic)s, mrn, given, family,
       DATE '1940-01-01' + ((n * 37) %% 25000)::int,
       CASE WHEN n %% 2 = 0 THEN 'female' ELSE 'male' END,
       '', '', lower(given), lower(family), lower(mrn), 'active', ''
FROM named
"""


def fill(clinic, count: int, prefix: str) -> None:
    """Grow `clinic` to `count` patients (MRNs prefix + 7 digits), in one INSERT ... SELECT."""
    from django.db import connection

    from ketamine_care.patients.models import Patient

    existing = Patient.objects.filter(clinic=clinic).count()
    if existing >= count:
        return
    params = {
        "start": existing,
        "stop": count,
        "clinic": clinic.pk,
        "prefix": prefix,
        "given": GIVEN,
        "given_count": len(GIVEN),
        "syl": SYLLABLES,
    }
    with connection.cursor() as cursor:
        cursor.execute(FILL_SQL, params)
        cursor.execute("VACUUM ANALYZE patients_patient")
        # The names the insert's trigger added (patients 0006): autovacuum's statistics
        # after a bulk load, without waiting for it.
        cursor.execute("VACUUM ANALYZE patients_searchname")


def shapes(size: int) -> list[tuple[str, str]]:
    """(label, query) of every shape the goal covers; the same words at every size."""
    return [
        ("family name prefix 'kalomar'", "kalomar"),
        ("infix 'omar' (inside names)", "omar"),
        ("full name 'sofia belquin'", "sofia belquin"),
        ("exact MRN", f"B{size // 2:07d}"),
        ("date of birth", "1975-06-01"),
        ("broad 2 letters 'ka'", "ka"),
        ("no match 'zzyzx'", "zzyzx"),
        ("no query (first page)", ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def run(args) -> None:
    from django.test import Client

    try:  # the queries alone (page and count), without the request and its audit record
        from ketamine_care.patients.search import search_page
    except ImportError:  # the code before keyset search
        search_page = None
    clinic, user, token = bench_clinic_user("Benchmark Clinic", "bench@bench.clinic")
    other, _, _ = bench_clinic_user("Second Clinic", "other@bench.clinic")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, list] = {}
    print_header("patient search (GET /api/v1/patients?q=...&limit=25)")
    for size in sizes:
        fill(clinic, size, "B")
        fill(other, size // 10, "B")
        print(f"-- {size:,} patients (+ {size // 10:,} in a second clinic)")
        for label, query in shapes(size):
            warmup = max(3, args.repeat // 10)
            timing = measure(lambda q=query: _get(api, q), repeat=args.repeat, warmup=warmup)
            body = _get(api, query).json()
            count = f"{'~' if body.get('count_estimated') else ''}{body['count']:,}"
            print(f"   {label:<30} API     {timing}  count {count}")
            results.setdefault(label, []).append((f"{size:>9,}", timing))
            if search_page is not None:
                alone = measure(
                    lambda q=query: search_page(clinic, q, limit=25), args.repeat, warmup
                )
                print(f"   {'':<30} queries {alone}")
    goal_met = True
    for label, rows in results.items():
        print_growth(label, rows)
        goal_met &= rows[-1][1].median < 30
    print(f"goal p50 < 30 ms at {sizes[-1]:,} for every shape: {'met' if goal_met else 'NOT met'}")
    if args.explain:
        explain(clinic, sizes[-1])


def _get(api, query: str):
    response = api.get("/api/v1/patients", {"q": query, "limit": 25})
    assert response.status_code == 200, response.content
    return response


def explain(clinic, size: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the first page and the bounded count of every shape."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    from ketamine_care.patients.search_plans import planned_queries

    for label, query in shapes(size):
        for part, queryset in planned_queries(clinic, query).items():
            try:
                sql, params = queryset.query.sql_with_params()
            except EmptyResultSet:  # the count found no match: the page asks nothing
                print(f"\n### {label}: {part}\n\n    (no query: nothing matched)")
                continue
            if part.startswith("count"):
                sql = f"SELECT count(*) FROM ({sql}) AS bounded"
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
            print(f"\n### {label}: {part}\n\n{plan}")


if __name__ == "__main__":
    main()
