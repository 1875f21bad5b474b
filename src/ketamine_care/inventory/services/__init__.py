"""Writes to the controlled-substance ledger. Each function validates, appends one entry,
moves the lot's running balance and audits, all in one transaction.

Concurrency: every balance change locks the lot row (SELECT ... FOR UPDATE on PostgreSQL;
SQLite's IMMEDIATE transactions serialise writers) and reads the balance only after taking
the lock, so two draws racing for the last vial cannot both succeed: the second sees the
first one's balance and gets InsufficientStock. Authorization happens before these calls
(`inventory.access.access_*`, `accounts.permissions.require`).
"""

from ketamine_care.inventory.services.draws import (
    draw_for_administration,
    draw_stock,
    waste_stock,
)
from ketamine_care.inventory.services.movements import (
    adjust_stock,
    correct_entry,
    transfer_in,
    transfer_out,
)
from ketamine_care.inventory.services.posting import InsufficientStock, LotExpired
from ketamine_care.inventory.services.products import PRODUCT_CEILINGS, add_product, receive_stock

__all__ = [
    "PRODUCT_CEILINGS",
    "InsufficientStock",
    "LotExpired",
    "add_product",
    "adjust_stock",
    "correct_entry",
    "draw_for_administration",
    "draw_stock",
    "receive_stock",
    "transfer_in",
    "transfer_out",
    "waste_stock",
]
