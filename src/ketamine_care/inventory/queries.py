"""Reads of the ledger, always scoped to one clinic: fetch-or-404 helpers, balances as of any
date (computed from the entries, not from `Lot.balance`) and a lot's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import CLINICIANS
from ketamine_care.core.clock import clinic_day_bounds, clinic_today
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.inventory.ledger import QUANTUM, vials_equivalent
from ketamine_care.inventory.models import (
    Discrepancy,
    EntryKind,
    LedgerEntry,
    Lot,
    Product,
)

ZERO = Decimal("0")


def lot_for_dose(clinic, public_id) -> Lot | None:
    """The lot of `clinic` a dose is drawn from; None when no lot was named. An unknown lot is
    refused (ValidationFailed on `lot_id`): a dose must not be recorded without its draw."""
    if not public_id:
        return None
    found = Lot.objects.select_related("product").filter(clinic=clinic, public_id=public_id)
    found = found.first()
    if found is None:
        raise ValidationFailed("No such lot.", fields={"lot_id": "No such lot here."})
    return found


def witness_candidate(clinic, public_id):
    """An active clinician of `clinic` with this public id, or None (the service says why)."""
    membership = (
        Membership.objects.select_related("user")
        .filter(clinic=clinic, user__public_id=public_id, is_active=True)
        .first()
    )
    return membership.user if membership else None


def witnesses_for(clinic, performer) -> list:
    """Users who may witness `performer`'s waste: other active clinicians of the clinic."""
    memberships = (
        Membership.objects.select_related("user")
        .filter(clinic=clinic, is_active=True, role__in=CLINICIANS, user__is_active=True)
        .exclude(user=performer)
        .order_by("user__full_name")
    )
    return [m.user for m in memberships]


def products_for(clinic) -> QuerySet[Product]:
    return Product.objects.filter(clinic=clinic)


def lots_for(clinic) -> QuerySet[Lot]:
    return Lot.objects.filter(clinic=clinic).select_related("product")


def usable_lots(clinic) -> QuerySet[Lot]:
    """Lots that can be drawn today: in stock and not expired, soonest expiry first."""
    return lots_for(clinic).filter(balance__gt=0, expiry_date__gte=clinic_today(clinic))


def lots_for_dose(clinic, *, drug: str, dose_mg: Decimal | None = None) -> list[Lot]:
    """The lots a dose of `drug` may be drawn from today: the clinic's own, unexpired, holding
    at least `dose_mg` (any stock when no dose is known yet), soonest expiry first."""
    lots = usable_lots(clinic).filter(product__drug=drug).order_by("expiry_date", "lot_number")
    return [lot for lot in lots if dose_mg is None or lot.balance_mg >= dose_mg]


def entries_for(clinic, lot: Lot | None = None, kind: str = "") -> QuerySet[LedgerEntry]:
    rows = LedgerEntry.objects.filter(clinic=clinic).select_related(
        "lot__product", "performed_by", "witness", "corrects"
    )
    if lot is not None:
        rows = rows.filter(lot=lot)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def open_discrepancies(clinic) -> QuerySet[Discrepancy]:
    return discrepancies_for(clinic, "open")


def discrepancies_for(clinic, status: str = "open") -> QuerySet[Discrepancy]:
    """Open (the default), resolved or all discrepancies of the clinic, newest first."""
    rows = Discrepancy.objects.filter(clinic=clinic).select_related("lot__product", "adjustment")
    return rows if status == "all" else rows.filter(status=status)


@dataclass(frozen=True)
class LotBalance:
    """One lot's stock on a day: opening and closing balances and the day's movements, all in
    `unit` (mL or devices); `closing_mg` is the drug content of the closing balance."""

    lot: Lot
    unit: str
    opening: Decimal
    received: Decimal
    drawn: Decimal
    wasted: Decimal
    transferred_out: Decimal
    adjusted: Decimal
    closing: Decimal

    @property
    def closing_mg(self) -> Decimal:
        return self.lot.product.mg_in(self.closing)

    @property
    def closing_vials(self) -> Decimal | None:
        return vials_equivalent(self.closing, self.lot.product.volume_ml)


def balances_on(clinic, day: date) -> list[LotBalance]:
    """Every lot with an entry up to the end of `day` (clinic time zone), with its balance at
    the start and end of the day and the day's movements. One aggregate query plus the lots."""
    start, end = clinic_day_bounds(clinic, day)
    today = Q(created_at__gte=start)

    def total(field: str, *kinds: str):
        return Sum(field, filter=today & Q(kind__in=kinds), default=ZERO)

    rows = (
        LedgerEntry.objects.filter(clinic=clinic, created_at__lt=end)
        .values("lot_id")
        .annotate(
            closing=Sum("delta", default=ZERO),
            opening=Sum("delta", filter=Q(created_at__lt=start), default=ZERO),
            received=total("quantity", EntryKind.RECEIPT, EntryKind.TRANSFER_IN),
            drawn=total("quantity", EntryKind.DRAW),
            wasted=total("quantity", EntryKind.WASTE),
            transferred_out=total("quantity", EntryKind.TRANSFER_OUT),
            adjusted=total("delta", EntryKind.ADJUSTMENT, EntryKind.CORRECTION),
        )
    )
    by_lot = {row.pop("lot_id"): row for row in rows}
    lots = lots_for(clinic).filter(pk__in=by_lot).order_by("product__name", "expiry_date")
    return [
        LotBalance(
            lot=lot, unit=lot.unit, **{k: v.quantize(QUANTUM) for k, v in by_lot[lot.pk].items()}
        )
        for lot in lots
    ]
