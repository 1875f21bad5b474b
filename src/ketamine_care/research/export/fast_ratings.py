"""The rating-scale tables of the SQL path (administrations and their item answers) read by
one statement, one row per administration, and written as two files.

The statement (`statement`) reads the active administrations of the kept patients whose ids
are `{first}` to `{last}` (both included; `fast_parallel` splits the patients into ranges
that two sessions read) in patient order through the patient indexes, numbers them per
patient by date (the Python path's numbering: no table of administrations is made, and
nothing is sorted with their answers beyond each patient's own few rows), and sends with
each one its definition's number (`ItemCodes`; NULL for a definition not shipped) and its
answers as jsonb's own text (`answers::text`: one conversion per administration, the keys
in jsonb's storage order, shorter keys first, then byte order, which is the order in which
the Python path meets them, as `json` keeps an object's keys as PostgreSQL stores them).

The client turns the texts into item-answer rows with arrow (`expand_answers`): jsonb's text
of an object is `{"key": value, "key": value}`, and where it holds no backslash, `[` or `{`
past its first character, no string in it can hold a quote, so the only `, "` that is no
pair's start ends a string that ends in ", " (then `, ", `, `, ": ` or the end follows it),
and splitting the others at `, "` and each pair at its first `": ` is exact; the few other
objects (nested values, escaped characters, strings ending in ", ") are parsed by Python's
`json`, their numbers kept as written. The pairs whose key is an item of the
administration's definition and whose value is a JSON number are kept (a number's text
begins with a digit or a minus sign; a string, true, false, null, an array or an object
never does) and parsed as float64, which gives the double nearest the number's decimal
value, as Python's `float` does. No Python object per answer, and the server converts each
administration's answers once (one `->` and one conversion per item cost it three times as
much: 2.2 s against 0.7 s per 140,000 administrations, EXPLAIN ANALYZE at 10^6).
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ketamine_care.research.export import fast_sql as q

# A JSON number's text, and no other value's, sorts from "-" to before ":": it begins with a
# minus sign or a digit; a string (`"`), true, false, null, `[` or `{` never does, and no
# JSON value's text begins with "." or "/" (the two characters between "-" and "0").
NUMBER = ("-", ":")
# What a text split by `expand_answers` (its braces taken off) must not hold: a backslash,
# [ or {, or a string that ends in ", ".
NESTED = r'[\\\[{]|, "(, |: |$)'
ADMINISTRATION_COLUMNS = (
    ("research_id", q.K), ("administration_number", q.N), ("instrument", q.S),
    ("definition_version", q.S), ("administration_date", q.D), ("time_point", q.S),
    ("follow_up_day", q.N), ("source", q.S), ("total", q.N), ("band", q.S),
    ("definition", q.K), ("answers", q.S),
)  # fmt: skip
SELECT = f"""
SELECT k.seq, ROW_NUMBER() OVER (PARTITION BY a.patient_id ORDER BY a.administered_at, a.id),
       a.instrument_code, a.definition_version,
       {q.shifted_day(q.clinic_day("a.administered_at"))},
       a.time_point, a.follow_up_day, a.source, a.total, a.band,
       @definition, a.answers::text
FROM {{people}} k JOIN instruments_administration a ON a.patient_id = k.patient_id
WHERE a.status = 'active' AND k.patient_id BETWEEN {{first}} AND {{last}}
  AND a.patient_id BETWEEN {{first}} AND {{last}}
ORDER BY a.patient_id, a.administered_at, a.id"""
# Every patient id, for a statement over all the kept patients.
ALL = (-(2**63), 2**63 - 1)
# The plan wanted: both tables read in patient order through their patient indexes (the
# bounds stated on both sides, so a range reads only its own part of each index), merged,
# each patient's rows sorted by date (an incremental sort: a few rows at a time). PostgreSQL
# would rather hash the two tables and sort the 4.7 million wide rows at a million patients
# (gigabytes on disk): hash joins and full sorts are turned off for this statement and
# turned back on after it.
PLAN = ("SET LOCAL enable_hashjoin = off", "SET LOCAL enable_sort = off")
UNPLAN = ("SET LOCAL enable_hashjoin TO DEFAULT", "SET LOCAL enable_sort TO DEFAULT")


def jsonb_order(key: str) -> tuple[int, bytes]:
    """Where jsonb stores an object's key: shorter keys first, then by their bytes."""
    raw = key.encode()
    return len(raw), raw


def _by_code(branches: dict[str, list[tuple[str, str]]], literal) -> str:
    """CASE on the instrument code, then on the definition version."""
    outer = []
    for code, versions in branches.items():
        inner = " ".join(f"WHEN {literal(version)} THEN {sql}" for version, sql in versions)
        outer.append(f"WHEN {literal(code)} THEN CASE a.definition_version {inner} END")
    return f"CASE a.instrument_code {' '.join(outer)} END" if outer else "NULL"


def statement(items, literal) -> q.Statement:
    """The administrations' statement for the definitions in `items` (`fast.ItemCodes`);
    `literal(value)` quotes a string for the SQL."""
    numbers: dict[str, list[tuple[str, str]]] = {}
    for index, (code, version, _, _) in enumerate(items.definitions):
        numbers.setdefault(code, []).append((version, str(index)))
    text = SELECT.replace("@definition", _escaped(_by_code(numbers, literal)))
    return q.Statement(text, ADMINISTRATION_COLUMNS)


def _escaped(sql: str) -> str:
    """`sql` as it stands in a statement that `fast.FastExport.sql` formats."""
    return sql.replace("{", "{{").replace("}", "}}")


def expand_answers(batch: pa.RecordBatch, items) -> pa.RecordBatch:
    """One row per numeric answer to an item of its definition, of the administrations in
    `batch`, in their order and in each one's key order: (patient number, administration
    number, item number, value), as `fast.table_batch` decodes them."""
    texts = batch.column("answers")
    definitions = batch.column("definition")
    inner = pc.utf8_slice_codeunits(texts, 1, -1)  # the object's text without its braces
    nested = pc.fill_null(pc.match_substring_regex(inner, NESTED), True)
    flat = pc.and_(pc.invert(nested), pc.is_valid(definitions))
    flat = pc.and_(flat, pc.fill_null(pc.greater(pc.binary_length(inner), 0), False))
    # From the first key's first character: no key of a pair split below begins with a quote.
    rows, keys, values = _split_pairs(pc.utf8_slice_codeunits(texts.filter(flat), 2, -1))
    rows = pc.take(pc.indices_nonzero(flat), rows)
    slow = pc.and_(nested, pc.is_valid(definitions))
    if pc.any(slow).as_py():
        rows, keys, values = _with_parsed(batch, slow, (rows, keys, values))
    names, numbers = items.item_names(), items.item_numbers()
    place = pc.add(
        pc.multiply(pc.take(definitions, rows).cast(pa.int64()), len(names)),
        pc.index_in(keys, value_set=names).cast(pa.int64()),
    )
    found = numbers.take(place)  # null: no item of the administration's definition
    number = pc.and_(pc.greater_equal(values, NUMBER[0]), pc.less(values, NUMBER[1]))
    kept = pc.and_(pc.is_valid(found), pc.fill_null(number, False))
    rows = rows.filter(kept)
    return pa.RecordBatch.from_arrays(
        [
            batch.column("research_id").take(rows),
            batch.column("administration_number").take(rows),
            found.filter(kept),
            values.filter(kept).cast(pa.float64()),
        ],
        names=["research_id", "administration_number", "item_code", "value"],
    )


def _split_pairs(inner: pa.Array) -> tuple[pa.Array, ...]:
    """Each object's pairs (`inner`: the texts of non-empty objects without backslashes, `[`
    or `{` past their first character, from the first key's first character to before the
    closing brace): the object's position, the key, the value's text. Each pair's text
    begins with its key's first character: the first key's opening quote is not in `inner`,
    and the split at `, "` takes the others' (no key can hold a quote: it would be escaped),
    so no key is trimmed afterwards."""
    pairs = pc.split_pattern(inner, ', "')
    return pc.list_parent_indices(pairs), *_key_and_value(pc.list_flatten(pairs))


def _key_and_value(pairs: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Each pair's text split at its first `": `: the key before it, the value's text after
    it (null for a text without one), as `split_pattern(..., max_splits=1)` splits, without
    a list per pair. Every pair's key, `": ` and value are consecutive strings of one array
    over the same bytes (offsets made by numpy from each pair's offsets and where its `": `
    is), from which the keys and the values are taken."""
    count = len(pairs)
    at = pc.find_substring(pairs, '": ').to_numpy(zero_copy_only=False)  # bytes, -1: none
    _, offsets_buffer, data = pairs.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)
    offsets = offsets[pairs.offset : pairs.offset + count + 1]
    starts, ends = offsets[:-1], offsets[1:]
    found = at >= 0
    key_ends = np.where(found, starts + at, ends)
    parts = np.empty(3 * count + 1, dtype=np.int32)
    parts[0:-1:3], parts[1:-1:3] = starts, key_ends
    parts[2:-1:3] = np.where(found, key_ends + len('": '), ends)
    parts[-1] = offsets[-1]
    three = pa.StringArray.from_buffers(3 * count, pa.py_buffer(parts), data)
    keys = three.take(np.arange(0, 3 * count, 3))
    values = three.take(pa.array(np.arange(2, 3 * count, 3), mask=~found))
    return keys, values


class _Number(str):
    """A JSON number's text, as `json` met it."""


def _with_parsed(batch, slow, split: tuple[pa.Array, ...]) -> tuple[pa.Array, ...]:
    """`split` with the pairs of the objects `slow` marks (nested values, escaped
    characters) parsed by `json`, numbers kept as written, all in the objects' order."""
    texts = batch.column("answers")
    rows, keys, values = [], [], []
    for row in pc.indices_nonzero(slow).to_pylist():
        parsed = json.loads(texts[row].as_py(), parse_int=_Number, parse_float=_Number)
        for key, value in parsed.items():
            rows.append(row)
            keys.append(key)
            values.append(str(value) if isinstance(value, _Number) else None)
    rows_all = pa.concat_arrays([split[0].cast(pa.int64()), pa.array(rows, pa.int64())])
    order = pc.sort_indices(rows_all)  # stable: each object's pairs keep their order
    return (
        rows_all.take(order),
        pa.concat_arrays([split[1], pa.array(keys, pa.string())]).take(order),
        pa.concat_arrays([split[2], pa.array(values, pa.string())]).take(order),
    )
