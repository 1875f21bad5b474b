"""Querysets that every request runs, compiled once per database connection.

Building a queryset and compiling it to SQL costs Django about as much CPU as a whole
`/healthz` answer; for the few queries that run on every request (the API token, the audit
chain's head) the SQL never changes, only a few values in it. `PreparedQuery` builds the
queryset once with a marker in place of each such value, keeps the SQL and the compiler, and
then only runs that SQL with the values and converts the rows as the ORM does (time zones,
booleans, JSON). The queryset stays the definition: what it finds is what the ORM finds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet


class PreparedQuery:
    """`build(**markers)` returns a `values_list` queryset in which each named value is the
    marker given for it (used once each); `rows(using, **values)` runs it with the values.
    The values reach the database as given, not through a field's conversion: text compared
    with text columns only (a UUID or a date is stored differently on each backend)."""

    def __init__(self, name: str, build: Callable[..., QuerySet], *names: str) -> None:
        self.name, self.build, self.names = name, build, names

    def rows(self, using: str, **values: Any) -> list[tuple]:
        connection = connections[using]
        compiled = connection.__dict__.setdefault("prepared_queries", {})
        if self.name not in compiled:
            compiled[self.name] = self._compile(using)
        compiler, sql, params, positions = compiled[self.name]
        params = list(params)
        for name, position in positions.items():
            params[position] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return [tuple(row) for row in compiler.results_iter(results=[found])]

    def _compile(self, using: str):
        markers = {name: f"\x00{self.name}:{name}\x00" for name in self.names}
        compiler = self.build(**markers).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = {}
        for name, marker in markers.items():
            found = [i for i, value in enumerate(params) if value == marker]
            if len(found) != 1:
                raise ValueError(f"{self.name}: {name} must be in the query once")
            positions[name] = found[0]
        return compiler, sql, tuple(params), positions


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
