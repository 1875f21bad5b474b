"""The inventory report for one day as CSV: one row per lot, quantities with their unit."""

from __future__ import annotations

import io
from datetime import date

from ketamine_care.core import spreadsheet
from ketamine_care.inventory.queries import LotBalance

COLUMNS = [
    "date",
    "product",
    "drug",
    "strength",
    "ndc",
    "lot_number",
    "expiry_date",
    "unit",
    "opening",
    "received",
    "drawn",
    "wasted",
    "transferred_out",
    "adjusted",
    "closing",
    "closing_mg",
]


def report_csv(day: date, balances: list[LotBalance]) -> str:
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(COLUMNS)
    for row in balances:
        product = row.lot.product
        writer.writerow(
            [
                day.isoformat(),
                product.name,
                product.drug,
                product.strength_display,
                product.ndc,
                row.lot.lot_number,
                row.lot.expiry_date.isoformat(),
                row.unit,
                row.opening,
                row.received,
                row.drawn,
                row.wasted,
                row.transferred_out,
                row.adjusted,
                row.closing,
                row.closing_mg,
            ]
        )
    return out.getvalue()
