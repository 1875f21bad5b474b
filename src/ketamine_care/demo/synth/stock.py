"""The controlled-substance ledger behind a batch's doses: a lot of each product per calendar
quarter of the batch's doses (received the day before its first use, with an invoice, in
enough whole vials or devices for every dose; expiring six months after the quarter), a draw
for each dose linked to it (`administration_ref`), and the running balance after each entry
in time order, as `inventory.services` keeps it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ketamine_care.demo.synth.batch import Batch, public_id
from ketamine_care.inventory.models import LedgerEntry, Lot

SHELF_DAYS = 180


@dataclass(frozen=True)
class LotLabel:
    """What a dose row copies from its lot."""

    number: str
    product: str
    strength: Decimal | None
    expiry: date
    key: tuple[str, int, int]


class Stock:
    def __init__(self, run, batch_number: int) -> None:
        self.run = run
        self.batch_number = batch_number
        self.draws: dict[tuple[str, int, int], list[dict]] = {}
        self.labels: dict[tuple[str, int, int], LotLabel] = {}

    def lot(self, drug: str, day: date) -> LotLabel:
        """The batch's lot of `drug` for the quarter of `day`."""
        key = (drug, day.year, (day.month - 1) // 3)
        if key not in self.labels:
            product = self.run.ctx.products[drug]
            number = (
                f"SYN-{self.run.dataset:03d}-{self.batch_number:05d}-"
                f"{drug[:3].upper()}-{key[1]}Q{key[2] + 1}"
            )
            quarter_end = date(key[1] + key[2] // 3, (3 * key[2] + 3) % 12 + 1, 1)
            self.labels[key] = LotLabel(
                number, product.name, product.strength_mg_per_ml,
                quarter_end + timedelta(days=SHELF_DAYS), key,
            )  # fmt: skip
            self.draws[key] = []
        return self.labels[key]

    def draw(self, batch: Batch, label: LotLabel, quantity: Decimal, at, ref: str, nurse: int,
             rng) -> dict:  # fmt: skip
        """A draw entry from the lot `label` (its balance filled in by `close`)."""
        key = label.key
        drug = key[0]
        entry = batch.add(
            LedgerEntry, public_id=public_id(rng), clinic_id=self.run.ctx.clinic.pk, lot_id=None,
            kind="draw", unit="device" if drug == "esketamine" else "ml", quantity=quantity,
            delta=-quantity, balance_after=None, invoice_number="", counterparty="", reason="",
            performed_by_id=nurse, witness_id=None, administration_ref=ref, corrects_id=None,
            created_at=at,
        )  # fmt: skip
        self.draws[key].append(entry)
        return entry

    def close(self, batch: Batch, rng) -> None:
        """The lots and receipts, and each draw's lot and balance after it."""
        admin = self.run.ctx.staff["clinic_admin"]
        for key, draws in self.draws.items():
            drug = key[0]
            product = self.run.ctx.products[drug]
            label = self.labels[key]
            used = sum(e["quantity"] for e in draws)
            per_pack = product.volume_ml if drug == "ketamine" else Decimal(1)
            received = per_pack * math.ceil(used / per_pack)
            first = min(e["created_at"] for e in draws) - timedelta(days=1)
            lot = batch.add(
                Lot, public_id=public_id(rng), clinic_id=self.run.ctx.clinic.pk,
                product_id=product.pk, lot_number=label.number, expiry_date=label.expiry,
                unit=draws[0]["unit"], balance=received - used, created_at=first,
            )  # fmt: skip
            balance = received
            batch.add(
                LedgerEntry, public_id=public_id(rng), clinic_id=lot["clinic_id"],
                lot_id=lot["id"], kind="receipt", unit=lot["unit"], quantity=received,
                delta=received, balance_after=balance, invoice_number=f"{label.number}-INV",
                counterparty="", reason="", performed_by_id=admin, witness_id=None,
                administration_ref="", corrects_id=None, created_at=first,
            )  # fmt: skip
            for entry in sorted(draws, key=lambda e: (e["created_at"], e["id"])):
                balance -= entry["quantity"]
                entry.update(lot_id=lot["id"], balance_after=balance)
