"""`write_export(project, path)`: the whole de-identified export into an empty folder.

Order: the cohort (consenting patients, their secrets made in bulk), the patients table
k-anonymised in memory (one small row per patient), then every other table streamed from
SQL a batch at a time, rows of suppressed patients dropped; then the data dictionary, the
README and the manifest with every file's SHA-256. `progress(step, done, total)` is told
after each table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.research.export import columns as c
from ketamine_care.research.export.cohort import (
    cohort_table,
    drop_cohort_table,
    patients_table,
    scope_for,
)
from ketamine_care.research.export.dictionary import write_dictionary, write_readme
from ketamine_care.research.export.fast import FastExport
from ketamine_care.research.export.manifest import (
    Manifest,
    add_file,
    software_version,
    write_manifest,
)
from ketamine_care.research.export.scope import Scope, batches
from ketamine_care.research.export.sources import COURSES, DOSES, SESSIONS, VITALS, Source
from ketamine_care.research.export.sources_measures import (
    ADMINISTRATIONS,
    ADVERSE_EVENTS,
    ITEM_ANSWERS,
)
from ketamine_care.research.export.sources_outcomes import OUTCOME_SOURCE
from ketamine_care.research.export.writer import TableWriter

Progress = Callable[[str, int, int], None]
SOURCES: tuple[Source, ...] = (
    COURSES, SESSIONS, DOSES, VITALS, ADMINISTRATIONS, ITEM_ANSWERS, OUTCOME_SOURCE,
    ADVERSE_EVENTS,
)  # fmt: skip
TABLES: tuple[c.Table, ...] = (c.PATIENTS, *(s.table for s in SOURCES))
PROBLEMS = c.check_allowlist(TABLES)
if PROBLEMS:  # a column outside the rules never reaches a running server
    raise RuntimeError("research export columns: " + "; ".join(PROBLEMS))


class FolderNotEmpty(FileExistsError):
    pass


def _prepare(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FolderNotEmpty(f"{path} exists and is not an empty folder")
    path.mkdir(parents=True, exist_ok=True)


def _kept(batch: pa.RecordBatch, scope: Scope) -> pa.RecordBatch:
    if not scope.suppressed:
        return batch
    gone = pc.is_in(batch.column(0), value_set=pa.array(sorted(scope.suppressed), pa.string()))
    return batch.filter(pc.invert(gone))


def write_table(source: Source, scope: Scope, folder: Path, *, csv: bool = True) -> int:
    schema = source.table.schema
    with TableWriter(source.table, folder, csv=csv) as out:
        for row in batches(source.query(scope), list(source.fields)):
            batch = pa.RecordBatch.from_arrays(source.build(scope, row), schema=schema)
            out.write(_kept(batch, scope))
    return out.rows


def _write_patients(scope: Scope, folder: Path, *, csv: bool) -> tuple[int, dict]:
    table, report = patients_table(scope, clinic_today(scope.project.clinic))
    with TableWriter(c.PATIENTS, folder, csv=csv) as out:
        for batch in table.to_batches(max_chunksize=50_000):
            out.write(batch)
    return out.rows, report.as_dict()


def write_export(
    project,
    path,
    *,
    progress: Progress | None = None,
    csv: bool = True,
    actor=None,
    sql: bool | None = None,
) -> Manifest:
    """Write the project's de-identified export into `path` (created; refused when it exists
    and is not an empty folder) and return its manifest. Audited as `actor` (None: the
    command line): the project, every table's columns and rows, the k-anonymity report.
    `sql`: each table made by one SQL statement (`fast.py`; the default on PostgreSQL),
    or row by row in Python (the default elsewhere); both write the same files."""
    folder = Path(path)
    _prepare(folder)
    tell = progress or (lambda step, done, total: None)
    manifest = Manifest(
        project=project.slug,
        project_name=project.name,
        exported_at=timezone.now().isoformat(timespec="seconds"),
        software_version=software_version(),
        consent_text_version=project.consent_text_version,
        columns={t.name: t.names for t in TABLES},
    )
    cohort = cohort_table(project)
    try:
        scope = scope_for(project, cohort)
        if sql is None:
            sql = connection.vendor == "postgresql"
        write = _write_tables_sql if sql else _write_tables
        write(scope, manifest, folder, tell, csv=csv)
        _finish(manifest, folder, csv=csv)
    except BaseException:
        _remove_written(folder)
        raise
    finally:
        drop_cohort_table(cohort)
    _record_written(project, manifest, actor)
    tell("manifest", len(TABLES) + 1, len(TABLES) + 1)
    return manifest


def _remove_written(folder: Path) -> None:
    """The files of a failed export (the folder was empty or new: all of them are its own),
    so that no partial table is taken for a whole one."""
    for path in folder.iterdir():
        if path.is_file():
            path.unlink()


def _write_tables(scope: Scope, manifest: Manifest, folder: Path, tell, *, csv: bool) -> None:
    total = len(TABLES) + 1
    rows, manifest.deidentification = _write_patients(scope, folder, csv=csv)
    manifest.tables[c.PATIENTS.name] = rows
    tell(c.PATIENTS.name, 1, total)
    for done, source in enumerate(SOURCES, start=2):
        manifest.tables[source.table.name] = write_table(source, scope, folder, csv=csv)
        tell(source.table.name, done, total)


def _write_tables_sql(scope: Scope, manifest: Manifest, folder: Path, tell, *, csv: bool) -> None:
    total = len(TABLES) + 1
    with FastExport(scope, folder, csv=csv) as fast:
        rows, manifest.deidentification = fast.write_patients(clinic_today(scope.project.clinic))
        manifest.tables[c.PATIENTS.name] = rows
        tell(c.PATIENTS.name, 1, total)
        done = [1]

        def written(name: str) -> None:  # from the thread that wrote the table
            done[0] += 1
            tell(name, done[0], total)

        rows = fast.write_tables([source.table for source in SOURCES], written)
        for source in SOURCES:  # the manifest lists the tables in their order
            manifest.tables[source.table.name] = rows[source.table.name]


def _record_written(project, manifest: Manifest, actor) -> None:
    with transaction.atomic():
        record(
            event_type="research_export.written",
            actor=actor,
            clinic=project.clinic,
            obj=project,
            changes={
                "project": project.slug,
                "rows": manifest.tables,
                "columns": manifest.columns,
                "deidentification": manifest.deidentification,
            },
        )


def _finish(manifest: Manifest, folder: Path, *, csv: bool) -> None:
    for table in TABLES:
        rows = manifest.tables[table.name]
        for suffix in ("parquet", "csv") if csv else ("parquet",):
            add_file(manifest, folder, f"{table.name}.{suffix}", rows)
    for name in write_dictionary(folder, list(TABLES), manifest.tables):
        add_file(manifest, folder, name)
    add_file(manifest, folder, write_readme(folder, manifest, list(TABLES)))
    write_manifest(manifest, folder)
