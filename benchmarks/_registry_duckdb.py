"""The dashboard's aggregates in DuckDB over the research export's Parquet (benchmarks/
registry.py): the same figures the dashboard counts, query for query, over the export's
tables: the outcome cells as courses and distinct patients (per patient, then summed, as
`registry.aggregates.outcome_counts` does), the life tables of time to first response and to
relapse grouped by day, relapse patients, safety and completeness per protocol with their
distinct patients, the CADSS histogram, and the mg/kg dose histogram (doses joined to their
sessions and courses).

What the export lacks, DuckDB cannot count: the export holds the consenting patients'
analysable courses only (so "analysable" is every row), and no follow-up days (so the
"reached the time point" cells are left out). The work is otherwise the dashboard's.
"""

from __future__ import annotations

from pathlib import Path

POINTS = ("induction", "3m", "6m", "12m")
EARLY = ("early_4h", "early_24h", "early_day7")


def _cells() -> dict[str, str]:
    """Each outcome cell of the dashboard: its name and the condition a course meets."""
    cells = {"courses": "TRUE", "analysable": "TRUE"}
    columns = [f"{m}_{p}" for p in POINTS for m in ("response", "remission")] + list(EARLY)
    for column in columns:
        cells[f"{column}_n"] = f"{column} IS NOT NULL"
        cells[f"{column}_k"] = f"{column}"
        cells[f"{column}_no"] = f"NOT {column}"
    return cells


def _counts_sql(where: str) -> str:
    cells = _cells()
    inner = ", ".join(f"count(*) FILTER (WHERE {q}) AS {n}" for n, q in cells.items())
    outer = ", ".join(f"sum({n}) AS {n}, count(*) FILTER (WHERE {n} > 0) AS {n}_p" for n in cells)
    return (
        f"WITH per AS (SELECT research_id, {inner}, sum(sessions) AS s "  # noqa: S608
        f"FROM o WHERE TRUE {where} GROUP BY research_id) SELECT {outer}, sum(s) FROM per"
    )


def queries(where: str = "") -> list[str]:
    """The dashboard's aggregate queries over the views `o` (outcomes), `d` (doses) and `s`
    (sessions); `where` narrows the courses (e.g. "AND protocol = '...'")."""
    return [
        _counts_sql(where),
        "SELECT coalesce(first_response_day, observed_days), first_response_day IS NOT NULL, "
        f"count(*) FROM o WHERE observed_days IS NOT NULL {where} GROUP BY ALL",
        f"SELECT relapse_days, relapse_event, count(*) FROM o WHERE relapse_event IS NOT NULL "
        f"{where} GROUP BY ALL",
        f"SELECT count(DISTINCT research_id) FROM o WHERE relapse_event IS NOT NULL {where}",
        "SELECT protocol, count(*), count(DISTINCT research_id), sum(sessions), "
        "sum(adverse_events), count(DISTINCT research_id) FILTER (WHERE adverse_events > 0), "
        "sum(bp_alerts), count(DISTINCT research_id) FILTER (WHERE bp_alerts > 0) "
        f"FROM o WHERE TRUE {where} GROUP BY protocol ORDER BY protocol",
        "SELECT protocol, count(*), count(DISTINCT research_id), sum(expected_measures), "
        "sum(received_measures), count(*), count(DISTINCT research_id) "
        f"FROM o WHERE TRUE {where} GROUP BY protocol ORDER BY protocol",
        "SELECT floor(cadss_peak / 10) AS bin, count(*), count(DISTINCT research_id) FROM o "
        f"WHERE cadss_peak IS NOT NULL {where} GROUP BY bin ORDER BY bin",
        "SELECT floor(d.dose_mg_per_kg / 0.1) AS bin, count(*), count(DISTINCT d.research_id) "
        "FROM d JOIN s USING (research_id, session_number) "
        "JOIN o ON o.research_id = s.research_id AND o.course_number = s.course_number "
        "WHERE d.drug = 'ketamine' AND d.dose_mg_per_kg IS NOT NULL AND s.state <> 'cancelled' "
        f"{where.replace('protocol', 'o.protocol')} GROUP BY bin ORDER BY bin",
    ]


def connect(folder: Path, outcomes: Path | None = None):
    """An in-memory DuckDB with the export's tables as views (read from the Parquet);
    `outcomes` replaces the export's outcomes table (see `summaries_parquet`)."""
    import duckdb

    db = duckdb.connect()
    paths = {t: folder / f"{t}.parquet" for t in ("outcomes", "doses", "sessions")}
    if outcomes is not None:
        paths["outcomes"] = outcomes
    for view, table in (("o", "outcomes"), ("d", "doses"), ("s", "sessions")):
        path = str(paths[table]).replace("'", "''")
        db.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{path}')")
    return db


def exported_courses(folder: Path) -> int:
    import duckdb

    path = str(folder / "outcomes.parquet").replace("'", "''")
    return duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]


SUMMARY_COLUMNS = (
    "patient_id::text AS research_id, 1 AS course_number, protocol_id AS protocol, indication, "
    "sessions, response_induction, remission_induction, response_3m, remission_3m, "
    "response_6m, remission_6m, response_12m, remission_12m, first_response_day, "
    "observed_days, relapse_event, relapse_days, early_4h, early_24h, early_day7, "
    "expected_measures, received_measures, adverse_events, bp_alerts, cadss_peak"
)


def summaries_parquet(clinic, path: Path) -> int:
    """Every course summary of `clinic` (not only the consenting patients' analysable ones,
    which the export holds) as an outcomes table, for a like-for-like cohort: the patient id
    stands for the research id. Its courses."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM registry_coursesummary WHERE clinic_id = %s",  # noqa: S608
            [clinic.pk],
        )
        names = [c.name for c in cursor.description]
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    table = pa.table({n: pa.array(list(c)) for n, c in zip(names, columns, strict=True)})
    pq.write_table(table, path)
    return len(rows)


def run_all(db, where: str = "") -> list:
    return [db.execute(sql).fetchall() for sql in queries(where)]
