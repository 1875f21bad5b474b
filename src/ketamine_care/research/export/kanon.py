"""k-anonymity of the export's patients table, by equivalence class rather than by row.

`research.deid.k_anonymise` states the rule on a list of row dicts: walk the generalisation
ladder until no more than k rows sit in classes smaller than k, then suppress the rows
still in such classes [@sweeney-2002-k-anonymity]. A million row dicts would not fit the
export's memory budget, and the rule depends only on how many rows share each combination
of quasi-identifiers, so here the same walk runs over the class counts (a few thousand
combinations at most), with deid's own ladder and widening functions; a test checks that
both agree. The chosen steps are then applied to the patients table's columns, and the
rows of classes still smaller than k are dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ketamine_care.research import deid


def map_values(column: pa.Array, fn: Callable[[object], object]) -> pa.Array:
    """`fn` applied to each distinct value of `column` once (a missing value stays missing)."""
    uniques = pc.unique(column)
    mapped = pa.array([None if v is None else fn(v) for v in uniques.to_pylist()], pa.string())
    return mapped.take(pc.index_in(column, value_set=uniques))


def class_counts(table: pa.Table, qis: Sequence[str]) -> Counter:
    grouped = table.group_by(list(qis), use_threads=False).aggregate([([], "count_all")])
    keys = zip(*(grouped.column(q).to_pylist() for q in qis), strict=True)
    return Counter(dict(zip(keys, grouped.column("count_all").to_pylist(), strict=True)))


def class_codes(table: pa.Table, qis: Sequence[str], keys: set) -> tuple[np.ndarray, list]:
    """Each row's class, and each of `keys`' (tuples of the `qis` values), as one integer:
    the positions of its values among each column's distinct values (a missing value one
    past them), in mixed radix. Equal codes are equal classes, missing values included; a
    key with a value the column lacks gets no code (no row is in its class)."""
    codes = np.zeros(table.num_rows, dtype=np.int64)
    key_codes = [0] * len(keys)
    listed = list(keys)
    for position, name in enumerate(qis):
        encoded = table.column(name).combine_chunks().dictionary_encode()
        values = encoded.dictionary.to_pylist()
        radix = len(values) + 1
        where = {value: index for index, value in enumerate(values)}
        where[None] = len(values)
        indices = pc.fill_null(encoded.indices, len(values)).to_numpy(zero_copy_only=False)
        codes = codes * radix + indices
        key_codes = [
            None if code is None or key[position] not in where
            else code * radix + where[key[position]]
            for code, key in zip(key_codes, listed, strict=True)
        ]  # fmt: skip
    return codes, [code for code in key_codes if code is not None]


def _outliers(sizes: Counter, k: int) -> int:
    return sum(n for n in sizes.values() if n < k)


def _widened(sizes: Counter, position: int, widen) -> Counter:
    merged: Counter = Counter()
    for key, n in sizes.items():
        key = list(key)
        key[position] = widen(key[position])
        merged[tuple(key)] += n
    return merged


def plan_generalisation(
    sizes: Counter, qis: Sequence[str], k: int, ladder: Sequence[deid.Step] = deid.LADDER
) -> tuple[list[deid.Step], Counter]:
    """The ladder steps `deid.k_anonymise` would take on rows with these class sizes, and
    the class sizes after them."""
    steps: list[deid.Step] = []
    for step in (s for s in ladder if s.column in qis):
        if _outliers(sizes, k) <= k:
            break
        sizes = _widened(sizes, list(qis).index(step.column), step.widen)
        steps.append(step)
    return steps, sizes


def k_anonymise_table(
    table: pa.Table, qis: Sequence[str], k: int = deid.DEFAULT_K
) -> tuple[pa.Table, deid.KAnonymityReport]:
    """The table with the generalisation applied and the rows of classes smaller than k
    removed, and deid's report of what was done."""
    steps, sizes = plan_generalisation(class_counts(table, qis), qis, k)
    for step in steps:
        index = table.schema.get_field_index(step.column)
        table = table.set_column(index, step.column, map_values(table[step.column], step.widen))
    counts = class_counts(table, qis)
    small = {key for key, n in counts.items() if n < k}
    if small:
        table = table.filter(pa.array(~np.isin(*class_codes(table, qis, small))))
    kept = {key: n for key, n in counts.items() if n >= k}
    report = deid.KAnonymityReport(
        k=k,
        quasi_identifiers=tuple(qis),
        rows_in=sum(counts.values()),
        rows_out=sum(kept.values()),
        suppressed=sum(counts.values()) - sum(kept.values()),
        generalised=tuple(step.label for step in steps),
        classes=len(kept),
        smallest_class=min(kept.values()) if kept else None,
    )
    return table, report
