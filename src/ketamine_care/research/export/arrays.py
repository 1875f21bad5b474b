"""Column arithmetic for the export, vectorised over a record batch with pyarrow compute:
dates shifted by each patient's offset, durations as minutes, months as text, numbers
looked up as dictionary arrays. The pure rules (`research.deid`) state what is done to one
value; these do the same to a column."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MICROSECONDS_PER_MINUTE = 60_000_000


def typed(values: list, type_: pa.DataType) -> pa.Array:
    """A list of database values as an arrow array of `type_` (Decimals as floats)."""
    if pa.types.is_floating(type_) and any(isinstance(v, Decimal) for v in values):
        values = [None if v is None else float(v) for v in values]
    if pa.types.is_date(type_) and any(isinstance(v, str) for v in values):
        return pa.array(values, pa.string()).cast(type_)
    return pa.array(values, type_)


def shifted(dates: list, offsets: list) -> pa.Array:
    """Each date moved by its patient's offset in days (`deid.shift_date`, a column at a
    time); a missing date stays missing."""
    days = typed(dates, pa.date32()).cast(pa.int32())
    return pc.add(days, pa.array(offsets, pa.int32())).cast(pa.date32())


def minutes(durations: list) -> pa.Array:
    """timedeltas (or None) as minutes, rounded to 0.1 min."""
    return micro_minutes(pa.array(durations, pa.duration("us")).cast(pa.int64()))


def micro_minutes(micro: pa.Array) -> pa.Array:
    """Whole microseconds (int64, or missing) as minutes, rounded to 0.1 min."""
    return pc.round(pc.divide(micro.cast(pa.float64()), MICROSECONDS_PER_MINUTE), 1)


def month_of(dates: pa.Array) -> pa.Array:
    return pc.strftime(dates, format="%Y-%m")


def ratio(numerators: pa.Array, denominators: pa.Array, digits: int = 3) -> pa.Array:
    """numerator / denominator, missing where either is missing or the denominator is 0."""
    safe = pc.if_else(pc.equal(denominators, 0), None, denominators)
    return pc.round(pc.divide(numerators, safe), digits)


def ages(births: list, on: list) -> pa.Array:
    """Completed years between each birth date and the date it is measured on (missing
    where either is missing)."""
    born, day = typed(births, pa.date32()), typed(on, pa.date32())
    years = pc.subtract(pc.year(day), pc.year(born))
    earlier_month = pc.less(pc.month(day), pc.month(born))
    same_month_earlier_day = pc.and_(
        pc.equal(pc.month(day), pc.month(born)), pc.less(pc.day(day), pc.day(born))
    )
    before_birthday = pc.or_(earlier_month, same_month_earlier_day)
    return pc.subtract(years, before_birthday.cast(pa.int64()))


def dictionary(numbers: pa.Array, values: pa.Array) -> pa.Array:
    """`values.take(numbers)` as a dictionary array: each distinct value once in the
    dictionary (a repeated string is one index, as the Parquet writer's own dictionary
    would make it), null where the number or its value is null. A number outside `values`
    raises IndexError, as `take` does."""
    distinct = pc.unique(values.drop_null())
    places = pc.index_in(values, value_set=distinct).cast(pa.int32())  # null: a null value
    return pa.DictionaryArray.from_arrays(places.take(numbers), distinct, safe=False)


def patient_runs(numbers: pa.Array, values: pa.Array) -> pa.Array:
    """`values.take(numbers)` as a dictionary array of the values the batch names, each
    run of equal numbers one index (every statement's rows are in patient order, so a
    patient's rows are one run: the dictionary is the batch's own research ids, in order,
    without looking any up). Numbers with nulls are looked up by `dictionary`."""
    if numbers.null_count or len(numbers) == 0:
        return dictionary(numbers, values)
    at = numbers.to_numpy()
    starts = np.flatnonzero(at[1:] != at[:-1]) + 1
    indices = np.zeros(len(at), np.int32)
    indices[starts] = 1
    np.cumsum(indices, out=indices)
    firsts = np.concatenate(([0], starts))
    return pa.DictionaryArray.from_arrays(
        pa.array(indices), values.take(pa.array(at[firsts])), safe=False
    )
