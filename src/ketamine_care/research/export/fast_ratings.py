"""The rating-scale tables of the SQL path (administrations and their item answers) read by
one statement, one row per administration, and written as two files.

The statement (`statement`) reads the active administrations of the kept patients whose ids
are `{first}` to `{last}` (both included; `fast_parallel` splits the patients into ranges
that two sessions read) in patient order through the patient indexes, numbers them per
patient by date (the Python path's numbering: no table of administrations is made, and
nothing is sorted with their answers beyond each patient's own few rows), and sends with
each one its definition's number and its answers to the definition's own items as one
`text[]` of JSON values: one `->` per item, written out for every shipped definition version
(`ItemCodes`), NULL where the item is not answered. The items stand in each array in jsonb's
own key order (shorter keys first, then byte order), the order in which the Python path
meets them (`json` keeps the order of the object's keys as PostgreSQL stores them), so an
administration's answers come out in the same order.

The client turns the arrays into item-answer rows with arrow (`expand_answers`): the JSON
numbers are kept (a number's text begins with a digit or a minus sign; a string, true,
false, null, an array or an object never does) and parsed as float64, which gives the
double nearest the number's decimal value, as Python's `float` does. No Python object per
answer, and the server makes 4.7 million rows at a million patients instead of 67 million,
with no JSON type test (a second lookup per item) on its side.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ketamine_care.research.export import fast_sql as q

VALUES = pa.list_(pa.string())  # an administration's answers as JSON text, by the item order
NUMBER = "^-?[0-9]"  # how a JSON number's text begins (strings, true, false, null, [ or { not)
ADMINISTRATION_COLUMNS = (
    ("research_id", q.K), ("administration_number", q.N), ("instrument", q.S),
    ("definition_version", q.S), ("administration_date", q.D), ("time_point", q.S),
    ("follow_up_day", q.N), ("source", q.S), ("total", q.N), ("band", q.S),
    ("definition", q.K), ("answers", VALUES),
)  # fmt: skip
SELECT = f"""
SELECT k.seq, ROW_NUMBER() OVER (PARTITION BY a.patient_id ORDER BY a.administered_at, a.id),
       a.instrument_code, a.definition_version,
       {q.shifted_day(q.clinic_day("a.administered_at"))},
       a.time_point, a.follow_up_day, a.source, a.total, a.band,
       @definition, @answers
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


def _answer(key: str, literal) -> str:
    return f"(a.answers -> {literal(key)})::text"


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
    answers: dict[str, list[tuple[str, str]]] = {}
    for index, (code, version, _, keys) in enumerate(items.definitions):
        numbers.setdefault(code, []).append((version, str(index)))
        elements = ", ".join(_answer(key, literal) for key, _ in keys)
        array = f"ARRAY[{elements}]::text[]" if keys else "'{}'::text[]"
        answers.setdefault(code, []).append((version, array))
    text = SELECT.replace("@definition", _escaped(_by_code(numbers, literal)))
    text = text.replace("@answers", _escaped(_by_code(answers, literal)))
    return q.Statement(text, ADMINISTRATION_COLUMNS)


def _escaped(sql: str) -> str:
    """`sql` as it stands in a statement that `fast.FastExport.sql` formats."""
    return sql.replace("{", "{{").replace("}", "}}")


def expand_answers(batch: pa.RecordBatch, items) -> pa.RecordBatch:
    """One row per numeric answer of the administrations in `batch`, in their order and in
    each one's item order: (patient number, administration number, item number, value), as
    `fast.table_batch` decodes them. Arrays whose length is not their definition's are an
    error (the statement and the item codes would disagree)."""
    values = batch.column("answers")
    numbers = items.numbers_by_definition().take(batch.column("definition"))
    lengths = pc.fill_null(pc.list_value_length(values), 0)
    if not pc.all(pc.equal(lengths, pc.fill_null(pc.list_value_length(numbers), 0))).as_py():
        raise ValueError("research export: an administration's answers do not fit its items")
    parents = pc.list_parent_indices(values)
    flat = pc.list_flatten(values)
    kept = pc.fill_null(pc.match_substring_regex(flat, NUMBER), False)
    return pa.RecordBatch.from_arrays(
        [
            batch.column("research_id").take(parents).filter(kept),
            batch.column("administration_number").take(parents).filter(kept),
            pc.list_flatten(numbers).filter(kept),
            flat.filter(kept).cast(pa.float64()),
        ],
        names=["research_id", "administration_number", "item_code", "value"],
    )
