"""Querysets that every request runs, compiled once per database connection.

Building a queryset and compiling it to SQL costs Django about as much CPU as a whole
`/healthz` answer; for the few queries that run on every request (the API token, the audit
chain's head) the SQL never changes, only a few values in it. `PreparedQuery` builds the
queryset once with a marker in place of each such value, keeps the SQL and the compiler, and
then only runs that SQL with the values and converts the rows as the ORM does (time zones,
booleans, JSON). The queryset stays the definition: what it finds is what the ORM finds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

# Integer markers: inside every integer column's range (a lookup refuses a value outside it),
# and far above any key these tables reach. UUID markers: a fixed prefix, then the index.
_INT_MARK = 2_147_480_000
_UUID_MARK = 0x6B65_7461_6D69_6E65 << 64


class PreparedQuery:
    """`build(**markers)` returns a queryset in which each named value is the marker given
    for it (used once each); `rows(using, **values)` runs it with the values, `objects(...)`
    turns the rows of a model queryset (no `values_list`) into instances. A value named in
    `integers` is an int (a key), in `uuids` a `uuid.UUID` (stored as the backend stores it:
    native on PostgreSQL, hex on SQLite); any other value reaches the database as given, not
    through a field's conversion: text compared with text columns only."""

    def __init__(
        self,
        name: str,
        build: Callable[..., QuerySet],
        *names: str,
        integers: tuple[str, ...] = (),
        uuids: tuple[str, ...] = (),
    ) -> None:
        self.name, self.build, self.names = name, build, names
        self.integers, self.uuids = integers, uuids

    def rows(self, using: str, **values: Any) -> list[tuple]:
        connection = connections[using]
        compiled = connection.__dict__.setdefault("prepared_queries", {})
        if self.name not in compiled:
            compiled[self.name] = self._compile(using)
        compiler, sql, params, positions = compiled[self.name]
        params = list(params)
        for name, (position, kind) in positions.items():
            params[position] = _filled(self.name, name, kind, values[name])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return [tuple(row) for row in compiler.results_iter(results=[found])]

    def objects(self, model: type[Model], using: str, **values: Any) -> list[Model]:
        """The rows of a queryset of `model` (every concrete field, in order) as instances,
        as the ORM builds them (`Model.from_db`)."""
        names = [field.attname for field in model._meta.concrete_fields]
        return [model.from_db(using, names, row) for row in self.rows(using, **values)]

    def _compile(self, using: str):
        markers: dict[str, Any] = {}
        for number, name in enumerate(self.names):
            if name in self.integers:
                markers[name] = _INT_MARK + number
            elif name in self.uuids:
                markers[name] = uuid.UUID(int=_UUID_MARK + number)
            else:
                markers[name] = f"\x00{self.name}:{name}\x00"
        compiler = self.build(**markers).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = {}
        for name, marker in markers.items():
            kinds = {"as is": marker}
            if isinstance(marker, int):
                kinds = {"int": marker}
            elif isinstance(marker, uuid.UUID):
                kinds = {"uuid": marker, "hex": marker.hex}
            found = [
                (i, kind)
                for i, value in enumerate(params)
                for kind, form in kinds.items()
                if type(value) is type(form) and value == form
            ]
            if len(found) != 1:
                raise ValueError(f"{self.name}: {name} must be in the query once")
            positions[name] = found[0]
        return compiler, sql, tuple(params), positions


def _filled(query: str, name: str, kind: str, value: Any) -> Any:
    """A value in the form its marker took: a UUID's hex where the backend stores hex. A key
    that is not an int, or a UUID that is not a `uuid.UUID`, is refused, never sent as it
    came (the ORM would have converted it)."""
    if kind == "int" and type(value) is not int:
        raise TypeError(f"{query}: {name} must be an int")
    if kind in ("uuid", "hex") and type(value) is not uuid.UUID:
        raise TypeError(f"{query}: {name} must be a UUID")
    return value.hex if kind == "hex" else value


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
        shapes = connection.__dict__.setdefault("shaped_statements", {})
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
