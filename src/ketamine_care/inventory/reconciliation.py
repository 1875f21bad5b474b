"""Reconciliation services: a physical count against the ledger, and the discrepancy it raises
when they differ (escalated to the clinic admin and the medical director until resolved).

Kept beside `services` (same rules: validate, write, audit in one transaction) so neither
outgrows the size budget. The form or schema has parsed the input (the count as Decimal, text
stripped); this applies the rules.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_date_of
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.inventory.ledger import QuantityError, to_stock_quantity
from ketamine_care.inventory.models import (
    Discrepancy,
    DiscrepancyStatus,
    EntryKind,
    LedgerEntry,
    Lot,
)
from ketamine_care.inventory.services.posting import _FIX, _post, _raise_if, _require
from ketamine_care.inventory.witness import require_witness


def _counted(lot: Lot, number: Decimal, unit: str) -> Decimal:
    """The count in the lot's stock unit: zero or more, in a unit the lot is counted in."""
    if not number.is_finite():
        raise ValidationFailed(_FIX, fields={"counted_quantity": "Enter a number."})
    if number < 0:
        raise ValidationFailed(_FIX, fields={"counted_quantity": "A count cannot be negative."})
    if number == 0:
        if unit not in (lot.unit, "vial"):
            raise ValidationFailed(_FIX, fields={"unit": f"This lot is counted in {lot.unit}."})
        return number
    try:
        return to_stock_quantity(number, unit, lot.unit, lot.product.volume_ml).quantity
    except QuantityError as exc:
        field = "counted_quantity" if exc.field == "quantity" else exc.field
        raise ValidationFailed(_FIX, fields={field: str(exc)}) from exc


def record_count(
    *, lot: Lot, actor, counted_quantity: Decimal, unit: str, note: str = "", request=None
) -> tuple[LedgerEntry, Discrepancy | None]:
    """Record a physical count of a lot (audited `ledger.counted`). The count does not change
    the balance. When it differs from the ledger balance (read under the lot's row lock), a
    `Discrepancy` is opened and audited `ledger.discrepancy_recorded`."""
    counted = _counted(lot, counted_quantity, unit)
    with transaction.atomic():
        entry = _post(
            lot,
            kind=EntryKind.COUNT,
            quantity=counted,
            delta=Decimal("0"),
            actor=actor,
            event_type="ledger.counted",
            request=request,
            reason=note,
        )
        if entry.balance_after == counted:
            return entry, None
        discrepancy = Discrepancy.objects.create(
            clinic_id=lot.clinic_id,
            lot=entry.lot,
            count_entry=entry,
            unit=entry.unit,
            expected_quantity=entry.balance_after,
            counted_quantity=counted,
            created_at=timezone.now(),
        )
        record(
            event_type="ledger.discrepancy_recorded",
            actor=actor,
            clinic=entry.lot.clinic,
            obj=discrepancy,
            changes={
                "new": {
                    "lot": str(lot.public_id),
                    "unit": entry.unit,
                    "expected_quantity": entry.balance_after,
                    "counted_quantity": counted,
                    "difference": discrepancy.difference,
                }
            },
            request=request,
        )
    return entry, discrepancy


def _adjust_to_count(discrepancy: Discrepancy, actor, remark: str, witness, request):
    """The adjustment entry that brings the ledger to the count (difference: counted minus
    ledger at the time of the count); a decrease carries its witness."""
    difference = discrepancy.difference
    counted_on = clinic_date_of(discrepancy.clinic, discrepancy.created_at)
    return _post(
        discrepancy.lot,
        kind=EntryKind.ADJUSTMENT,
        quantity=abs(difference),
        delta=difference,
        actor=actor,
        event_type="ledger.adjusted",
        request=request,
        reason=f"Reconciliation of the count of {counted_on:%Y-%m-%d}: {remark}",
        witness=witness if difference < 0 else None,
    )


def resolve_discrepancy(
    *,
    discrepancy: Discrepancy,
    actor,
    note: str,
    post_adjustment: bool,
    witness=None,
    witness_password: str = "",
    request=None,
) -> Discrepancy:
    """Close an open discrepancy with a note (audited `ledger.discrepancy_resolved`). With
    `post_adjustment`, an adjustment entry of the difference (counted minus ledger at the time
    of the count) brings the ledger to the count; it is refused if stock moved since so far
    that the balance would go below zero. An adjustment down removes stock from the register,
    so it needs a witness as any other decrease does (else a low count would be a way round)."""
    errors: dict[str, str] = {}
    _require(errors, note=note)
    _raise_if(errors)
    removes_stock = post_adjustment and discrepancy.difference < 0
    if removes_stock:
        require_witness(
            clinic=discrepancy.lot.clinic,
            actor=actor,
            witness=witness,
            password=witness_password,
            request=request,
        )
    with transaction.atomic():
        locked = Discrepancy.objects.select_for_update(of=("self",), no_key=True).get(
            pk=discrepancy.pk
        )
        if locked.status != DiscrepancyStatus.OPEN:
            raise StateError("This discrepancy is already resolved.")
        if post_adjustment:
            locked.adjustment = _adjust_to_count(locked, actor, note, witness, request)
        locked.status = DiscrepancyStatus.RESOLVED
        locked.resolution_note = note
        locked.resolved_by = actor
        locked.resolved_at = timezone.now()
        locked.save(
            update_fields=["status", "resolution_note", "resolved_by", "resolved_at", "adjustment"]
        )
        record(
            event_type="ledger.discrepancy_resolved",
            actor=actor,
            clinic=locked.lot.clinic,
            obj=locked,
            changes={"new": {"note": note, "adjusted": post_adjustment}},
            request=request,
        )
    return locked
