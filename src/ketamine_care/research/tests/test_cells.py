"""Small-cell suppression, pure: counts under 5 are hidden, and one more cell when a single
hidden count could be worked out from the total."""

from __future__ import annotations

from ketamine_care.research.cells import suppress, total_cell


def shown(cells):
    return {c.key: c.count for c in cells}


def test_counts_of_5_or_more_are_shown():
    assert shown(suppress({"a": 5, "b": 12})) == {"a": 5, "b": 12}


def test_a_single_small_cell_hides_the_next_smallest_too():
    cells = suppress({"a": 3, "b": 9, "c": 20})
    assert shown(cells) == {"a": None, "b": None, "c": 20}
    assert [c.small for c in cells] == [True, False, False]
    assert [c.protects for c in cells] == [False, True, False]


def test_two_small_cells_protect_each_other():
    cells = suppress({"a": 1, "b": 4, "c": 20})
    assert shown(cells) == {"a": None, "b": None, "c": 20}
    assert not any(c.protects for c in cells)


def test_zero_is_shown_and_is_not_a_small_cell():
    assert shown(suppress({"a": 0, "b": 7})) == {"a": 0, "b": 7}


def test_the_total_is_hidden_under_5_but_zero_is_shown():
    assert total_cell(4).count is None and total_cell(4).small
    assert total_cell(0).count == 0
    assert total_cell(5).count == 5
