"""The server copies of a large run (PostgreSQL) go in with the copied tables' secondary
indexes, unique constraints and foreign keys set aside, as `pg_restore` loads data before
it builds indexes and constraints: one transaction drops them, copies every batch, then
builds them again from their own definitions (`pg_get_indexdef`, `pg_get_constraintdef`:
the same names, columns, conditions and options) with a larger `maintenance_work_mem`, and
adds every foreign key validated and every unique constraint anew, so PostgreSQL itself
proves the whole table, copies and all, against them. Should anything fail, the
transaction rolls back: the copies are gone and the indexes and constraints are back as
they were; no other session ever sees a table without them (the drop locks the tables until
the commit). Primary keys and check constraints stay throughout (the copies read the pool
by primary key; checks cost little per row).

Only `synth` uses this, and only after its guard accepted the database (empty, or filled by
synth alone): it never changes the schema of a database with real patients."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

# Memory for the index builds and the foreign keys' validating joins (this transaction only).
MAINTENANCE_WORK_MEM = "1GB"

_INDEXES = """
SELECT ci.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class ct ON ct.oid = i.indrelid
WHERE ct.relnamespace = current_schema()::regnamespace AND ct.relname = ANY(%s)
  AND NOT EXISTS (
    SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
  )
ORDER BY ct.relname, ci.relname
"""
# Foreign keys of the tables, and their unique constraints that no other table's key names.
_CONSTRAINTS = """
SELECT ct.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
FROM pg_constraint c
JOIN pg_class ct ON ct.oid = c.conrelid
WHERE ct.relnamespace = current_schema()::regnamespace AND ct.relname = ANY(%s)
  AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
    SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid
  )))
ORDER BY c.contype DESC, ct.relname, c.conname
"""


@dataclass(frozen=True)
class SetAside:
    """What was dropped: (name, the statement that makes it again), in the order to make
    them (indexes, unique constraints, foreign keys)."""

    indexes: tuple[tuple[str, str], ...]
    uniques: tuple[tuple[str, str], ...]
    foreign_keys: tuple[tuple[str, str], ...]

    def statements(self) -> list[tuple[str, str]]:
        return [*self.indexes, *self.uniques, *self.foreign_keys]


def set_aside(tables: list[str]) -> SetAside:
    """Drop the secondary indexes, unique constraints and foreign keys of `tables` (inside
    the caller's transaction); what `restore` needs to make them again."""
    with connection.cursor() as cursor:
        cursor.execute(_INDEXES, [tables])
        indexes = tuple(cursor.fetchall())
        cursor.execute(_CONSTRAINTS, [tables])
        constraints = cursor.fetchall()
        uniques, keys = [], []
        for table, name, kind, definition in constraints:  # foreign keys first
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            remake = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            (keys if kind == "f" else uniques).append((name, remake))
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return SetAside(indexes=indexes, uniques=tuple(uniques), foreign_keys=tuple(keys))


def restore(aside: SetAside, stage=None) -> None:
    """Build every index and constraint `set_aside` dropped, validating each (same
    transaction); `stage(text)`, if given, hears which one is being built."""
    statements = aside.statements()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        for number, (name, statement) in enumerate(statements, 1):
            if stage is not None:
                stage(f"building indexes and constraints: {number}/{len(statements)} ({name})")
            cursor.execute(statement)
