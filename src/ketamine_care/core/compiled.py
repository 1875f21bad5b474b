"""Statements that many requests run, compiled once per database connection.

Building a queryset and compiling it to SQL costs Django about as much CPU as a whole
`/healthz` answer. For the statements that run on (nearly) every request the SQL never
changes, only a few values in it. Two kinds are kept, both in one cache per connection
(`compiled_statements`):

- `CompiledQuery`: a queryset built once with a marker in place of each value, whose SQL and
  compiler are kept; each run puts the values in the marked positions, each in the form the
  ORM would have sent it, and converts the rows to the values the ORM gives (time zones,
  booleans, JSON, the last by orjson: `core.json_columns`). The queryset stays the
  definition: what it finds is what the ORM finds.
- `ShapedStatement`: SQL built from words whose shape (how many, how long) fixes the SQL,
  compiled once per shape (the search).

On PostgreSQL a `CompiledQuery` is also prepared on the server, once per connection
(`statement_cursor`): its values travel apart from its text, and PostgreSQL parses it once and
keeps its plan instead of planning it again on every request. Planning, not running, was most
of what these short statements cost the database (docs/PERFORMANCE.md, "CPU per request:
the statements every request runs, prepared").
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

from ketamine_care.core.json_columns import faster_converters

# Integer markers: inside every integer column's range (a lookup refuses a value outside it),
# and far above any key these tables reach. UUID markers: a fixed prefix, then the index.
_INT_MARK = 2_147_480_000
_UUID_MARK = 0x6B65_7461_6D69_6E65 << 64


def compiled_statements(using: str) -> dict:
    """The connection's one cache: `queries` (by name), `shapes` (by shape) and
    `aggregates` (the registry's kept aggregates, by cohort shape)."""
    return connections[using].__dict__.setdefault("compiled_statements", {})


@dataclass(frozen=True)
class Param:
    """How one value of a `CompiledQuery` reaches its SQL: `text` as given (text compared
    with text columns); `startswith` a str, escaped for LIKE with `%` after it, as the
    `startswith` lookup sends it; `int` an int key, exactly (not a bool, not a str); `ints` a
    list of them (one array parameter: `core.lookups.AnyOf`); `uuid` a
    `uuid.UUID`, exactly, stored as the backend stores it (native on PostgreSQL, hex on
    SQLite); `field` through the field it is compared with (`get_db_prep_value`: a time
    becomes text on SQLite), marked by `sentinel`, a value of that field's type."""

    kind: str
    field: Field | None = None
    sentinel: Any = None


TEXT = Param("text")
INT = Param("int")
INTS = Param("ints")
UUID_VALUE = Param("uuid")
# A text compared with `startswith`: sent as the ORM's lookup sends it, escaped for LIKE and
# followed by `%` (`PatternLookup.process_rhs`).
STARTS_WITH = Param("startswith")


def through(field: Field, sentinel: Any) -> Param:
    """A value put in through `field`, marked by `sentinel` while compiling."""
    return Param("field", field, sentinel)


def statement_cursor(connection):
    """A cursor of `connection` (Django's wrapper, so query logging and `execute_wrapper`
    see its statements) that, on PostgreSQL with `DB_PREPARED_STATEMENTS` on, binds its
    values on the server and prepares each statement the first time this connection runs it
    (psycopg's protocol-level prepared statements, kept per connection, `prepared_max` of
    them; `config.env.with_prepared_statements` lets the connection prepare). Elsewhere, or
    with the setting off, the connection's usual cursor: the driver quotes the values into
    the text."""
    if connection.vendor != "postgresql" or not _can_prepare(connection):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    preparing, logged = _preparing_cursor()
    with connection.wrap_database_errors:
        cursor = preparing(connection.connection)
    if connection.queries_logged:
        return logged(cursor, connection)
    return connection.make_cursor(cursor)


def _can_prepare(connection) -> bool:
    return connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None


@functools.cache
def _preparing_cursor():
    """(psycopg's cursor that binds on the server, Django's `ServerBindingCursor`, preparing
    every statement it runs; the debug wrapper that logs its statements), imported only where
    PostgreSQL is in use. The log shows each statement with its values quoted into it
    (`compose_sql`), as the connection's usual cursor logs it: a prepared statement leaves
    psycopg no text of its own to report."""
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
    from django.db.backends.utils import CursorWrapper

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    class PreparedDebugWrapper(CursorDebugWrapper):
        def execute(self, sql, params=None):
            with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
                return CursorWrapper.execute(self, sql, params)

    return PreparingCursor, PreparedDebugWrapper


class CompiledQuery:
    """`build(**markers)` returns a queryset in which each value named in `params` is the
    marker given for it; `rows(using, **values)` runs it with the values, `objects(...)`
    turns the rows of a model queryset (no `values_list`) into instances, `get(...)` into
    one instance.

    The compilation checks itself: each marker must become exactly one SQL parameter, in
    the form the run will give its values; otherwise it raises `ValueError`. A key or UUID
    of another type is refused with `TypeError`, never sent as it came (the ORM would have
    converted it)."""

    def __init__(self, name: str, build: Callable[..., QuerySet], **params: Param) -> None:
        self.name, self.build, self.params = name, build, params

    def rows(self, using: str, **values: Any) -> list[tuple]:
        compiled, found = self._run(using, values)
        return [tuple(row) for row in compiled.convert(found)]

    def _run(self, using: str, values: dict[str, Any]):
        """(the compiled query, raw rows) of one run with `values`."""
        connection = connections[using]
        compiled = compiled_statements(using).setdefault("queries", {})
        if self.name not in compiled:
            compiled[self.name] = self._compile(connection, using)
        kept = compiled[self.name]
        sql, params, positions = kept.sql, kept.params, kept.positions
        if kept.locks and connection.get_autocommit():
            # What the ORM's compiler raises: a lock outside a transaction would end at once.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(params)
        for name, position in positions.items():
            params[position] = self._sql_value(name, values[name], connection)
        with statement_cursor(connection) as cursor:
            cursor.execute(sql, params)
            return kept, cursor.fetchall()

    def objects(self, model: type[Model], using: str, **values: Any) -> list[Model]:
        """The rows of a queryset of `model` as instances, built as the ORM's `ModelIterable`
        builds them: `Model.from_db` with the selected fields (deferred ones left unread),
        the `select_related` instances linked, annotations set as attributes."""
        compiled, found = self._run(using, values)
        if compiled.model is not model:
            selected = getattr(compiled.model, "__name__", "no model")
            raise TypeError(f"{self.name} selects {selected} rows")
        start, end, names, related, annotations = compiled.instances_plan(using)
        instances = []
        for row in compiled.convert(found):
            instance = model.from_db(using, names, row[start:end])
            for populator in related:
                populator.populate(row, instance)
            for attribute, column in annotations.items():
                setattr(instance, attribute, row[column])
            instances.append(instance)
        return instances

    def get(self, model: type[Model], using: str, **values: Any) -> Model:
        """The one instance, or the ORM's `DoesNotExist` / `MultipleObjectsReturned`, as
        `QuerySet.get` raises them (`build` slices to `MAX_GET_RESULTS`, as `get` does)."""
        found = self.objects(model, using, **values)
        if len(found) == 1:
            return found[0]
        if not found:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(
            f"get() returned more than one {model._meta.object_name} -- it returned {len(found)}!"
        )

    def _marker(self, number: int, name: str) -> Any:
        param = self.params[name]
        if param.kind == "int":
            return _INT_MARK + number
        if param.kind == "ints":
            return [_INT_MARK + number]
        if param.kind == "uuid":
            return uuid.UUID(int=_UUID_MARK + number)
        if param.kind in ("text", "startswith"):
            return f"\x00{self.name}:{name}\x00"
        return param.sentinel

    def _sql_value(self, name: str, value: Any, connection) -> Any:
        param = self.params[name]
        if param.kind == "int" and type(value) is not int:
            raise TypeError(f"{self.name}: {name} must be an int")
        if param.kind == "ints" and (
            type(value) is not list or any(type(item) is not int for item in value)
        ):
            raise TypeError(f"{self.name}: {name} must be a list of ints")
        if param.kind == "uuid":
            if type(value) is not uuid.UUID:
                raise TypeError(f"{self.name}: {name} must be a UUID")
            return value if connection.features.has_native_uuid_field else value.hex
        if param.kind == "field":
            return param.field.get_db_prep_value(value, connection)
        if param.kind == "startswith":
            if type(value) is not str:
                raise TypeError(f"{self.name}: {name} must be a str")
            return f"{connection.ops.prep_for_like_query(value)}%"
        return value

    def _compile(self, connection, using: str):
        markers = {name: self._marker(n, name) for n, name in enumerate(self.params)}
        compiler = self.build(**markers).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = {}
        for name, marker in markers.items():
            form = self._sql_value(name, marker, connection)
            found = [
                i for i, value in enumerate(params) if type(value) is type(form) and value == form
            ]
            if len(found) != 1:
                raise ValueError(
                    f"{self.name}: {name} must be in the query once"
                    " (it must become exactly one parameter)"
                )
            positions[name] = found[0]
        return _Compiled(compiler, sql, tuple(params), positions)


class _Compiled:
    """One compiled `CompiledQuery` on one connection: its SQL, the positions of its values,
    and what `results_iter` and `ModelIterable` would work out again on every run from the
    same compiler: the converters of its columns (`get_converters`) and, for model rows, the
    columns and populators of the instances. They depend only on the compiled query and the
    connection, so they are worked out once, here, and the rows pass through the same
    converter functions in the same order (`SQLCompiler.apply_converters`), but for JSON
    columns read by orjson to the same values (`core.json_columns`)."""

    def __init__(self, compiler, sql: str, params: tuple, positions: dict[str, int]) -> None:
        self.compiler, self.sql, self.params, self.positions = compiler, sql, params, positions
        self.locks = bool(
            compiler.query.select_for_update and compiler.connection.features.has_select_for_update
        )
        self.fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        self.converters = faster_converters(compiler.get_converters(self.fields))
        self.composite = compiler.has_composite_fields(self.fields)
        self.model = (compiler.klass_info or {}).get("model")
        self._plan = None

    def convert(self, found: list) -> Any:
        """The fetched rows as `compiler.results_iter(results=[found])` gives them."""
        rows = found
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.composite:
            rows = self.compiler.composite_fields_to_tuples(rows, self.fields)
        return rows

    def instances_plan(self, using: str):
        """(start, end, attnames, related populators, annotation columns) of the model rows,
        as `ModelIterable` works them out from the compiler."""
        if self._plan is None:
            compiler = self.compiler
            select, klass_info = compiler.select, compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            names = [column[0].target.attname for column in select[start:end]]
            related = get_related_populators(klass_info, select, using)
            self._plan = (start, end, names, related, compiler.annotation_col_map or {})
        return self._plan


# Marker characters: word i of a shape is written with chr(_MARK + 2 * i) (private use
# area of Unicode); a prefix bound (last character plus one) ends in chr(_MARK + 2 * i + 1).
_MARK = 0xE000
_MARK_END = _MARK + 0x100


class ShapedStatement:
    """A statement built from the words of a query whose SQL depends only on their shape (how
    many words, how long each is) and whose parameters carry the words themselves, compiled
    once per shape and database connection.

    `build(words, **fixed)` returns (sql, params) for the words as the ORM compiles them. On
    the first use of a shape it runs with marker words of the same lengths (private-use
    characters); every parameter holding a marker becomes a slot: the word itself (an exact
    comparison), the word escaped for LIKE between the pattern's own characters (`contains`,
    `startswith`), or the word with its last character plus one (a prefix's upper bound).
    Later uses of that shape only fill the slots. A shape whose SQL or parameters hold a
    marker any other way, or a word that could not be told from a marker, is always built.
    `key` names what else the SQL depends on (the clinic, a limit): part of the shape."""

    def __init__(self, name: str, build: Callable[..., tuple[str, list]], size: int = 256) -> None:
        self.name, self.build, self.size = name, build, size

    def sql(self, using: str, words: list[str], key: tuple = (), **fixed: Any) -> tuple[str, list]:
        if len(words) > (_MARK_END - _MARK) // 2 or any(_unmarkable(w) for w in words):
            return self.build(list(words), **fixed)
        connection = connections[using]
        shapes = compiled_statements(using).setdefault("shapes", {})
        shape = (self.name, tuple(len(w) for w in words), key)
        if shape not in shapes:
            if len(shapes) >= self.size:
                shapes.pop(next(iter(shapes)))
            markers = [chr(_MARK + 2 * i) * len(w) for i, w in enumerate(words)]
            sql, params = self.build(markers, **fixed)
            shapes[shape] = _template(sql, list(params), markers)
        template = shapes[shape]
        if template is None:
            return self.build(list(words), **fixed)
        sql, params, slots = template
        filled = list(params)
        like = connection.ops.prep_for_like_query
        for position, kind, i, before, after in slots:
            word = words[i]
            if kind == "like":
                filled[position] = f"{before}{like(word)}{after}"
            elif kind == "next":
                filled[position] = word[:-1] + chr(ord(word[-1]) + 1)
            else:
                filled[position] = word
        return sql, filled


def _unmarkable(word: str) -> bool:
    """An empty word, or one whose prefix bound would not be a character."""
    return not word or ord(word[-1]) >= 0x10FFFF


def _is_marked(text: str) -> bool:
    return any(_MARK <= ord(c) < _MARK_END for c in text)


def _template(sql: str, params: list, markers: list[str]):
    """(sql, params, slots) for statement built with `markers`, or None when a marker shows
    anywhere but in a slot this class knows how to fill."""
    if _is_marked(sql):
        return None
    bounds = [m[:-1] + chr(ord(m[-1]) + 1) for m in markers]
    slots = []
    for position, value in enumerate(params):
        if not isinstance(value, str) or not _is_marked(value):
            if isinstance(value, (list, tuple, dict, set)) and _is_marked(repr(value)):
                return None
            continue
        slot = _slot(position, value, markers, bounds)
        if slot is None:
            return None
        slots.append(slot)
    return sql, params, tuple(slots)


def _slot(position: int, value: str, markers: list[str], bounds: list[str]):
    for i, (marker, bound) in enumerate(zip(markers, bounds, strict=True)):
        if value == marker:
            return position, "word", i, "", ""
        if value == bound:
            return position, "next", i, "", ""
        before, found, after = value.partition(marker)
        if found and not _is_marked(before) and not _is_marked(after):
            if set(before + after) <= {"%"}:
                return position, "like", i, before, after
            return None
    return None
