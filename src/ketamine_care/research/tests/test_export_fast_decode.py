"""The SQL path's numbers turned back into the export's strings (`fast.decode_batch`,
`fast.ItemCodes`), an administration's answers expanded into item answers
(`fast_ratings.expand_answers`) and the read-ahead (`fast_read.prefetched`): pure, no
database. The comparison of whole exports with the Python path is test_export_sql.py
(PostgreSQL)."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.research.export import columns as c
from ketamine_care.research.export.fast import ItemCodes, decode_batch, table_batch
from ketamine_care.research.export.fast_ratings import _key_and_value, expand_answers, jsonb_order
from ketamine_care.research.export.fast_read import prefetched
from ketamine_care.research.export.writer import DICTIONARY, decoded

RIDS = pa.array(["RAAAA", "RBBBB", "RCCCC"], pa.string())


def codes() -> ItemCodes:
    items = ItemCodes()
    items.add("phq9", "1.0.0", {"phq9_1": "44250-9", "phq9_2": "44255-8"})
    items.add("phq9", "1.0.1", {"phq9_1": "44250-9", "phq9_2": None})
    items.add("gad7", "1.0.0", {"gad7_1": "69725-0"})
    return items


def test_items_are_numbered_once_per_definition_version():
    items = codes()
    assert items.by_version[("phq9", "1.0.0")] == {"phq9_1": 0, "phq9_2": 1}
    assert items.by_version[("phq9", "1.0.1")] == {"phq9_1": 2, "phq9_2": 3}
    assert items.by_version[("gad7", "1.0.0")] == {"gad7_1": 4}
    assert items.column("item_loinc").to_pylist() == [
        "44250-9", "44255-8", "44250-9", None, "69725-0"
    ]  # fmt: skip


def test_numbers_become_the_research_ids_and_item_strings():
    batch = pa.RecordBatch.from_pydict(
        {
            "research_id": pa.array([2, 0, 0, 1], pa.int32()),
            "administration_number": pa.array([1, 1, 2, 1], pa.int64()),
            "item_code": pa.array([4, 0, 3, 1], pa.int32()),
            "value": pa.array([1.0, 2.0, 0.5, 3.0]),
        }
    )
    out = table_batch(c.ITEM_ANSWERS, batch, RIDS, codes())
    assert decoded(out).schema == c.ITEM_ANSWERS.schema
    assert out.column("research_id").type == DICTIONARY  # no string copied per row
    assert out.to_pylist() == [
        {"research_id": "RCCCC", "administration_number": 1, "instrument": "gad7",
         "item": "gad7_1", "item_loinc": "69725-0", "value": 1.0},
        {"research_id": "RAAAA", "administration_number": 1, "instrument": "phq9",
         "item": "phq9_1", "item_loinc": "44250-9", "value": 2.0},
        {"research_id": "RAAAA", "administration_number": 2, "instrument": "phq9",
         "item": "phq9_2", "item_loinc": None, "value": 0.5},
        {"research_id": "RBBBB", "administration_number": 1, "instrument": "phq9",
         "item": "phq9_2", "item_loinc": "44255-8", "value": 3.0},
    ]  # fmt: skip


def test_a_missing_number_stays_missing_and_other_columns_pass_through():
    batch = pa.RecordBatch.from_pydict(
        {"research_id": pa.array([None, 1], pa.int32()), "drug": ["ketamine", None]}
    )
    out = decode_batch(batch, RIDS)
    assert out.to_pydict() == {"research_id": [None, "RBBBB"], "drug": ["ketamine", None]}


def test_a_number_outside_the_patients_file_is_an_error():
    batch = pa.RecordBatch.from_pydict({"research_id": pa.array([3], pa.int32())})
    with pytest.raises(IndexError):
        decode_batch(batch, RIDS)
    batch = pa.RecordBatch.from_pydict({"research_id": pa.array([-1, 0], pa.int32())})
    with pytest.raises(IndexError):
        decode_batch(batch, RIDS)


def test_a_batch_names_its_own_patients_once_each_in_its_dictionary():
    batch = pa.RecordBatch.from_pydict({"research_id": pa.array([1, 1, 2, 2, 2], pa.int32())})
    out = decode_batch(batch, RIDS).column("research_id")
    assert out.dictionary.to_pylist() == ["RBBBB", "RCCCC"]
    assert out.indices.to_pylist() == [0, 0, 1, 1, 1]
    assert out.to_pylist() == ["RBBBB", "RBBBB", "RCCCC", "RCCCC", "RCCCC"]
    unsorted = pa.RecordBatch.from_pydict({"research_id": pa.array([2, None, 1, 2], pa.int32())})
    out = decode_batch(unsorted, RIDS).column("research_id")
    assert out.to_pylist() == ["RCCCC", None, "RBBBB", "RCCCC"]
    nothing = pa.RecordBatch.from_pydict({"research_id": pa.array([None], pa.int32())})
    assert decode_batch(nothing, RIDS).column("research_id").to_pylist() == [None]


def test_an_item_string_is_one_dictionary_value_however_many_items_share_it():
    batch = pa.RecordBatch.from_pydict({"item_code": pa.array([0, 2, 4, 3], pa.int32())})
    out = decode_batch(batch, None, codes())
    assert out.column("instrument").dictionary.to_pylist() == ["phq9", "gad7"]
    assert out.column("instrument").indices.to_pylist() == [0, 0, 1, 0]
    assert out.column("item_loinc").to_pylist() == ["44250-9", "44250-9", "69725-0", None]


def test_an_item_number_outside_the_item_codes_is_an_error():
    batch = pa.RecordBatch.from_pydict({"item_code": pa.array([5], pa.int32())})
    with pytest.raises(IndexError):
        decode_batch(batch, None, codes())


def test_prefetched_gives_every_item_in_order():
    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))
    assert list(prefetched(iter([]))) == []


def test_prefetched_raises_the_sources_error_after_its_items():
    def source():
        yield 1
        yield 2
        raise ValueError("the server went away")

    seen = []
    with pytest.raises(ValueError, match="went away"):
        for item in prefetched(source()):
            seen.append(item)
    assert seen == [1, 2]


def test_prefetched_stops_its_thread_when_the_caller_stops():
    reads = []

    def endless():
        n = 0
        while True:
            reads.append(n)
            yield n
            n += 1

    before = threading.active_count()
    items = prefetched(endless(), depth=2)
    assert next(items) == 0
    items.close()  # the caller failed or stopped: the generator's finally runs
    assert threading.active_count() == before
    assert len(reads) <= 5  # read ahead by at most the depth (and the item in hand)


def test_a_definitions_items_stand_in_jsonb_key_order():
    items = ItemCodes()
    items.add("madrs", "1", {"madrs_10": None, "madrs_9": None, "madrs_1": None, "é": None})
    keys = [key for key, _ in items.definitions[0][3]]
    assert keys == ["é", "madrs_1", "madrs_9", "madrs_10"]  # é is two bytes
    names = items.item_names().to_pylist()
    assert [items.item_numbers()[names.index(key)].as_py() for key in keys] == [3, 2, 1, 0]
    assert sorted(keys, key=jsonb_order) == keys


def test_each_numeric_answer_becomes_a_row_in_order_and_nothing_else_does():
    """jsonb's texts, split where flat and parsed where nested or escaped: only numbers
    answering an item of the administration's own definition, in each object's key order;
    strings (even of digits or with separators in them), true, null, arrays, objects and
    keys that are no item are dropped."""
    items = codes()  # definitions: 0 phq9 1.0.0 (items 0, 1), 1 phq9 1.0.1 (2, 3), 2 gad7 (4)
    texts = pa.array(
        [
            '{"phq9_1": 2, "phq9_2": "3"}',
            '{"phq9_1": 1}',  # a definition not shipped
            '{"phq9_1": true, "phq9_2": null}',
            '{"gad7_1": 4, "phq9_1": -0.5, "phq9_2": "a, \\"b\\": 1"}',  # escaped: parsed
            '{"phq9_2": [1], "gad7_1": {"x": 1}}',
            '{"x": {}, "phq9_1": 7, "phq9_2": 1000000000000000000001}',  # nested: parsed
            "{}",
            '{"": 5, "phq9_2": 6, "phq9_1": "x\\": 9, "}',
            '{"é": 1, "phq9_2, \\"phq9_1": 8, "phq9_1": 0.25}',
            '{"phq9_1": ", ", "phq9_2": 3}',  # strings ending in ", ": parsed
            '{"phq9_2": 4, "phq9_1": "a, "}',
            '{", ": 1, "phq9_1": 5}',
        ]
    )
    batch = pa.RecordBatch.from_pydict(
        {
            "research_id": pa.array(range(12), pa.int32()),
            "administration_number": pa.array([1] * 12, pa.int64()),
            "definition": pa.array([0, None, 1, 0, 2, 1, 0, 0, 0, 0, 0, 0], pa.int32()),
            "answers": texts,
        }
    )
    out = expand_answers(batch, items)
    assert out.to_pydict() == {
        "research_id": [0, 3, 5, 5, 7, 8, 9, 10, 11],
        "administration_number": [1] * 9,
        "item_code": [0, 0, 2, 3, 1, 0, 1, 1, 0],
        "value": [2.0, -0.5, 7.0, 1e21, 6.0, 0.25, 3.0, 4.0, 5.0],
    }


def test_an_administration_names_its_definitions_panel():
    items = ItemCodes()
    items.add("phq9", "1.0.0", {"phq9_1": "44250-9"}, panel="44249-1")
    items.add("x", "0", {})
    batch = pa.RecordBatch.from_pydict({"definition": pa.array([1, None, 0], pa.int32())})
    out = decode_batch(batch, None, items).column("instrument_loinc")
    assert out.to_pylist() == [None, None, "44249-1"]
    assert out.type == DICTIONARY  # the null panel is no dictionary value


@settings(max_examples=200)
@given(
    st.lists(st.text(alphabet=st.sampled_from(list('ab"é: ,\x00x')), max_size=12)),
    st.integers(min_value=0, max_value=3),
)
def test_a_pairs_key_and_value_are_its_text_split_at_its_first_separator(texts, skip):
    """`fast_ratings._key_and_value` gives what `str.partition('": ')` gives for every text
    (non-ASCII ones too: its offsets are bytes), from an array that does not start at its
    buffers' beginning; a text without the separator has no value."""
    pairs = pa.array(["skipped"] * skip + texts, pa.string()).slice(skip)
    keys, values = _key_and_value(pairs)
    assert keys.to_pylist() == [text.partition('": ')[0] for text in texts]
    assert values.to_pylist() == [
        text.partition('": ')[2] if '": ' in text else None for text in texts
    ]
