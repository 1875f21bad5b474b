"""Inserting many new rows of one model without the ORM's per-value preparation.

`bulk_create` prepares every value of every row through its field (`pre_save`, then
`get_db_prep_save`): for a batch of 60 vital-sign readings, 900 calls that mostly hand an
int or a str back unchanged. `insert_all` does the same, except that an int in an integer
column and a str in a text column go as they are (what those fields' preparation gives
them back: `int(value)`, `str(value)`, and no backend adaptation), and runs one
`INSERT ... VALUES ... RETURNING` per batch. Every other value goes through its field as in
`bulk_create`. The rows it stores and the objects it returns are those of `bulk_create`
(core/tests/test_plain_insert.py).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

from django.db import connections, models, router

from ketamine_care.core.compiled import statement_cursor

# Fields whose preparation of an int (integers) or a str (text) is that value itself.
_INTEGERS = (
    models.IntegerField, models.SmallIntegerField, models.BigIntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField, models.AutoField, models.BigAutoField,
)  # fmt: skip

_MODIFIER = re.compile(r"\([^)]*\)")


def _plain_type(field) -> type | None:
    """int or str when this field's preparation returns such a value unchanged, else None."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if type(target) in _INTEGERS:
        return int
    if type(target) is models.CharField:
        return str
    return None


def insert_all(objs: list[models.Model]) -> list[models.Model]:
    """Insert unsaved `objs` (one model, without a primary key yet, no multi-table
    inheritance) and return them saved, with their primary keys; as `bulk_create(objs)`."""
    if not objs:
        return objs
    model = type(objs[0])
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    if (
        not connection.features.can_return_rows_from_bulk_insert
        or meta.parents
        or any(obj.pk is not None for obj in objs)
    ):
        return model.objects.bulk_create(objs)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    if connection.vendor == "postgresql":
        return _insert_arrays(objs, connection, using)
    plain = [_plain_type(f) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 (names)
    tail = f" RETURNING {quote(meta.pk.column)}"
    size = max(connection.ops.bulk_batch_size(fields, objs), 1)
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        params = []
        for obj in batch:
            for field, kind in zip(fields, plain, strict=True):
                params.append(_prepared(obj, field, kind, connection))
        with connection.cursor() as cursor:
            cursor.execute(head + ", ".join([row_sql] * len(batch)) + tail, params)
            keys = [row[0] for row in cursor.fetchall()]
        _saved(batch, keys, using)
    return objs


def insert_one_sql(obj: models.Model, connection) -> tuple[str, list]:
    """(sql, params) of `INSERT ... VALUES (...) RETURNING <pk>` for one unsaved `obj`, each
    value as `insert_all` sends it, for a caller that runs it inside a statement of its own
    (a data-modifying WITH); `saved(obj, key, using)` then marks it stored."""
    obj._prepare_related_fields_for_save(operation_name="bulk_create")
    sql, fields, plain = _kept(connection, "one", type(obj), _one_sql)
    params = [_prepared(obj, f, kind, connection) for f, kind in zip(fields, plain, strict=True)]
    return sql, params


def _one_sql(meta, fields, connection) -> str:
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 (names)
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}"
    )


def _kept(connection, kind: str, model, build) -> tuple[str, list, list]:
    """(sql, fields, plain kinds) of a model's INSERT, built by `build(meta, fields,
    connection)` once per connection and model: it depends on nothing else (the table, its
    columns, their types and the backend's quoting), and every audited request inserts."""
    kept = connection.__dict__.setdefault("plain_insert_sql", {})
    key = (kind, model)
    if key not in kept:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if f is not meta.pk]
        kept[key] = (build(meta, fields, connection), fields, [_plain_type(f) for f in fields])
    return kept[key]


def saved(obj: models.Model, key, using: str) -> None:
    """Mark `obj` stored under `key`, as `insert_all` marks the rows it inserts."""
    _saved([obj], [key], using)


def _prepared(obj, field, kind: type | None, connection):
    """The value of `field` for `obj` as `bulk_create` would send it."""
    value = getattr(obj, field.attname) if kind else None
    if kind is None or (value is not None and type(value) is not kind):
        value = field.get_db_prep_save(field.pre_save(obj, True), connection)
    return value


def _saved(objs: list[models.Model], keys: list, using: str) -> None:
    meta = objs[0]._meta
    for obj, key in zip(objs, keys, strict=True):
        setattr(obj, meta.pk.attname, key)
        obj._state.adding, obj._state.db = False, using


def _insert_arrays(objs: list[models.Model], connection, using: str):
    """PostgreSQL: one array per column, unnested into rows in the objects' order
    (`INSERT ... SELECT ... FROM unnest(...) WITH ORDINALITY ... ORDER BY`). The statement
    has one parameter per column, not per value: its text is the same for any number of
    rows, and neither the driver nor the server parses one literal per value; it is prepared
    once per connection (`core.compiled.statement_cursor`)."""
    sql, fields, plain = _kept(connection, "arrays", type(objs[0]), _arrays_sql)
    columns = [
        _array([_prepared(obj, field, kind, connection) for obj in objs])
        for field, kind in zip(fields, plain, strict=True)
    ]
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, columns)
        keys = [row[0] for row in cursor.fetchall()]
    _saved(objs, keys, using)
    return objs


def _arrays_sql(meta, fields, connection) -> str:
    quote = connection.ops.quote_name
    names = [f"c{i}" for i in range(len(fields))]
    # Arrays of the columns' base types (varchar, not varchar(60)): an explicit cast would
    # cut a value that is too long, where the insert itself refuses it, as bulk_create's does.
    arrays = ", ".join(f"%s::{_MODIFIER.sub('', f.db_type(connection))}[]" for f in fields)
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 (names)
        f"SELECT {', '.join(names)} FROM unnest({arrays}) WITH ORDINALITY "
        f"AS rows ({', '.join(names)}, position) ORDER BY position "
        f"RETURNING {quote(meta.pk.column)}"
    )


def _array(values: list):
    """`values` (as prepared for the database) as one PostgreSQL array literal, each element
    the text the value's own adapter sends (a number, the text itself, a UUID's canonical
    form, an ISO 8601 time with its offset, a JSON document), double-quoted with `\\` and `"`
    escaped; NULL for None. A list holding any other kind of value is left to the driver."""
    from psycopg.types.json import Jsonb  # this path runs on PostgreSQL only

    elements = []
    for value in values:
        kind = type(value)
        if value is None:
            elements.append("NULL")
            continue
        if kind is str:
            text = value
        elif kind is int or kind is uuid.UUID:
            text = str(value)
        elif kind is datetime and value.utcoffset() is not None:
            text = value.isoformat()
        elif kind is Jsonb:
            text = (value.dumps or json.dumps)(value.obj)
        else:
            return values
        elements.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(elements) + "}"
