"""Small-cell suppression of de-identified counts (pure; no Django).

A count under 5 patients is never shown: "fewer than 5" stands in its place. When exactly one
cell of a table is hidden and the total is shown, subtraction would reveal it, so the next
smallest cell is hidden too ("not shown"): complementary suppression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SMALL_CELL = 5


@dataclass(frozen=True)
class Cell:
    key: str
    count: int | None  # None when hidden
    small: bool = False  # hidden because fewer than SMALL_CELL patients
    protects: bool = False  # hidden so that a small cell cannot be worked out

    @property
    def shown(self) -> bool:
        return self.count is not None


def total_cell(total: int, threshold: int = SMALL_CELL) -> Cell:
    if total < threshold:
        return Cell("total", None, small=True) if total else Cell("total", 0)
    return Cell("total", total)


def suppress(counts: Mapping[str, int], threshold: int = SMALL_CELL) -> list[Cell]:
    """The cells of one table in the given order, small ones hidden. A zero is shown as 0:
    nobody can be singled out of an empty cell."""
    small = {k for k, n in counts.items() if 0 < n < threshold}
    protect: set[str] = set()
    if len(small) == 1:
        others = sorted((n, k) for k, n in counts.items() if k not in small and n > 0)
        if others:
            protect.add(others[0][1])
    return [
        Cell(
            key,
            None if key in small or key in protect else n,
            small=key in small,
            protects=key in protect,
        )
        for key, n in counts.items()
    ]
