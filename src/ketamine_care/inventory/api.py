"""Ledger REST endpoints under /api/v1/inventory. Thin: authorize (404 for another clinic's
rows, 403 for a role without the capability), call one service or query, serialize."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from uuid import UUID

from django.http import HttpResponse
from ninja import Router, Status

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.inventory import access, queries, reconciliation, services
from ketamine_care.inventory.report import report_csv
from ketamine_care.inventory.schemas import (
    AdjustmentIn,
    BalanceOut,
    CorrectionIn,
    CountIn,
    CountOut,
    DiscrepancyOut,
    DrawIn,
    EntryOut,
    LotOut,
    ProductIn,
    ProductOut,
    ReceiptIn,
    ResolveIn,
    TransferIn,
    WasteIn,
)

router = Router(tags=["inventory"])

MANAGE = Capability.MANAGE_INVENTORY
VIEW = Capability.VIEW_INVENTORY


@contextmanager
def _fields_as_sent(renames: dict[str, str]):
    """Name service errors after the API's fields (`witness` -> `witness_id`, ...)."""
    try:
        yield
    except ValidationFailed as exc:
        exc.fields = {renames.get(k, k): v for k, v in exc.fields.items()}
        raise


def product_out(p) -> dict:
    return {
        "id": p.public_id,
        "name": p.name,
        "drug": p.drug,
        "form": p.form,
        "stock_unit": p.stock_unit,
        "strength_mg_per_ml": p.strength_mg_per_ml,
        "volume_ml": p.volume_ml,
        "mg_per_device": p.mg_per_device,
        "ndc": p.ndc,
    }


def lot_out(lot, today: date) -> dict:
    return {
        "id": lot.public_id,
        "product_id": lot.product.public_id,
        "product": lot.product.name,
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date,
        "unit": lot.unit,
        "balance": lot.balance,
        "expired": lot.is_expired_on(today),
    }


def entry_out(e) -> dict:
    return {
        "id": e.public_id,
        "lot_id": e.lot.public_id,
        "lot_number": e.lot.lot_number,
        "kind": e.kind,
        "unit": e.unit,
        "quantity": e.quantity,
        "delta": e.delta,
        "balance_after": e.balance_after,
        "invoice_number": e.invoice_number,
        "counterparty": e.counterparty,
        "reason": e.reason,
        "performed_by": str(e.performed_by),
        "witness": str(e.witness) if e.witness else None,
        "administration_ref": e.administration_ref,
        "corrects": e.corrects.public_id if e.corrects else None,
        "created_at": e.created_at,
    }


def discrepancy_out(d) -> dict:
    return {
        "id": d.public_id,
        "lot_id": d.lot.public_id,
        "lot_number": d.lot.lot_number,
        "product": d.lot.product.name,
        "unit": d.unit,
        "expected_quantity": d.expected_quantity,
        "counted_quantity": d.counted_quantity,
        "difference": d.difference,
        "status": d.status,
        "resolution_note": d.resolution_note,
        "adjustment_id": d.adjustment.public_id if d.adjustment else None,
        "created_at": d.created_at,
    }


@router.get("/products", response=list[ProductOut])
def list_products(request):
    require(request.membership, VIEW)
    return [product_out(p) for p in queries.products_for(request.membership.clinic)]


@router.post("/products", response={201: ProductOut})
def add_product(request, payload: ProductIn):
    require(request.membership, MANAGE)
    product = services.add_product(
        clinic=request.membership.clinic, actor=request.user, request=request, **payload.dict()
    )
    return Status(201, product_out(product))


@router.get("/lots", response=list[LotOut])
def list_lots(request):
    require(request.membership, VIEW)
    clinic = request.membership.clinic
    today = clinic_today(clinic)
    return [lot_out(lot, today) for lot in queries.lots_for(clinic)]


@router.get("/lots/{lot_id}", response=LotOut)
def read_lot(request, lot_id: UUID):
    lot = access.access_lot(request.membership, lot_id)
    return lot_out(lot, clinic_today(request.membership.clinic))


@router.get("/lots/{lot_id}/entries", response=list[EntryOut])
def lot_history(request, lot_id: UUID):
    lot = access.access_lot(request.membership, lot_id)
    return [entry_out(e) for e in queries.entries_for(request.membership.clinic, lot=lot)]


@router.get("/entries", response=list[EntryOut])
def list_entries(request, kind: str = ""):
    require(request.membership, VIEW)
    rows = queries.entries_for(request.membership.clinic, kind=kind[:16])
    return [entry_out(e) for e in rows.order_by("-created_at", "-id")[:500]]


@router.post("/receipts", response={201: EntryOut})
def receive(request, payload: ReceiptIn):
    product = access.access_product(request.membership, payload.product_id, MANAGE)
    entry = services.receive_stock(
        product=product,
        actor=request.user,
        request=request,
        **payload.dict(exclude={"product_id"}),
    )
    return Status(201, entry_out(entry))


@router.post("/draws", response={201: EntryOut})
def draw(request, payload: DrawIn):
    lot = access.access_lot(request.membership, payload.lot_id, Capability.DRAW_STOCK)
    with _fields_as_sent({"lot": "lot_id"}):
        entry = services.draw_stock(
            lot=lot, actor=request.user, request=request, **payload.dict(exclude={"lot_id"})
        )
    return Status(201, entry_out(entry))


@router.post("/wastes", response={201: EntryOut})
def waste(request, payload: WasteIn):
    lot = access.access_lot(request.membership, payload.lot_id, Capability.DRAW_STOCK)
    witness = queries.witness_candidate(request.membership.clinic, payload.witness_id)
    with _fields_as_sent({"witness": "witness_id", "lot": "lot_id"}):
        if witness is None:
            raise ValidationFailed(
                "Please correct the highlighted fields.",
                fields={"witness": "The witness must be an active clinician of this clinic."},
            )
        entry = services.waste_stock(
            lot=lot,
            actor=request.user,
            witness=witness,
            request=request,
            **payload.dict(exclude={"lot_id", "witness_id"}),
        )
    return Status(201, entry_out(entry))


def _witness(request, witness_id):
    """The named witness, or None when none is named or they are no clinician of this clinic
    (the service then says what is wrong, under `witness`)."""
    if witness_id is None:
        return None
    return queries.witness_candidate(request.membership.clinic, witness_id)


_WITNESS_FIELDS = {"witness": "witness_id", "lot": "lot_id"}


@router.post("/transfers", response={201: EntryOut})
def transfer(request, payload: TransferIn):
    require(request.membership, MANAGE)
    data = payload.dict()
    common = {k: data[k] for k in ("quantity", "unit", "counterparty", "reason")}
    if payload.direction == "out":
        if payload.lot_id is None:
            raise ValidationFailed("A transfer out names its lot.", fields={"lot_id": "Required."})
        lot = access.access_lot(request.membership, payload.lot_id, MANAGE)
        with _fields_as_sent(_WITNESS_FIELDS):
            entry = services.transfer_out(
                lot=lot,
                actor=request.user,
                request=request,
                witness=_witness(request, payload.witness_id),
                witness_password=payload.witness_password,
                **common,
            )
    else:
        if payload.product_id is None:
            raise ValidationFailed(
                "A transfer in names its product.", fields={"product_id": "Required."}
            )
        product = access.access_product(request.membership, payload.product_id, MANAGE)
        entry = services.transfer_in(
            product=product,
            actor=request.user,
            request=request,
            lot_number=payload.lot_number,
            expiry_date=payload.expiry_date,
            **common,
        )
    return Status(201, entry_out(entry))


@router.post("/adjustments", response={201: EntryOut})
def adjust(request, payload: AdjustmentIn):
    lot = access.access_lot(request.membership, payload.lot_id, MANAGE)
    with _fields_as_sent(_WITNESS_FIELDS):
        entry = services.adjust_stock(
            lot=lot,
            actor=request.user,
            request=request,
            witness=_witness(request, payload.witness_id),
            **payload.dict(exclude={"lot_id", "witness_id"}),
        )
    return Status(201, entry_out(entry))


@router.post("/counts", response={201: CountOut})
def count(request, payload: CountIn):
    lot = access.access_lot(request.membership, payload.lot_id, MANAGE)
    entry, discrepancy = reconciliation.record_count(
        lot=lot, actor=request.user, request=request, **payload.dict(exclude={"lot_id"})
    )
    body = {
        "entry": entry_out(entry),
        "discrepancy": discrepancy_out(discrepancy) if discrepancy else None,
    }
    return Status(201, body)


@router.post("/entries/{entry_id}/corrections", response={201: EntryOut})
def correct(request, entry_id: UUID, payload: CorrectionIn):
    entry = access.access_entry(request.membership, entry_id, MANAGE)
    fix = services.correct_entry(
        entry=entry, actor=request.user, reason=payload.reason, request=request
    )
    return Status(201, entry_out(fix))


@router.get("/discrepancies", response=list[DiscrepancyOut])
def list_discrepancies(request, status: str = "open"):
    require(request.membership, MANAGE)
    rows = queries.discrepancies_for(request.membership.clinic, status)
    return [discrepancy_out(d) for d in rows]


@router.post("/discrepancies/{discrepancy_id}/resolve", response=DiscrepancyOut)
def resolve(request, discrepancy_id: UUID, payload: ResolveIn):
    discrepancy = access.access_discrepancy(request.membership, discrepancy_id)
    with _fields_as_sent(_WITNESS_FIELDS):
        resolved = reconciliation.resolve_discrepancy(
            discrepancy=discrepancy,
            actor=request.user,
            request=request,
            witness=_witness(request, payload.witness_id),
            **payload.dict(exclude={"witness_id"}),
        )
    return discrepancy_out(resolved)


def balance_out(row) -> dict:
    return {
        "lot_id": row.lot.public_id,
        "product": row.lot.product.name,
        "lot_number": row.lot.lot_number,
        "expiry_date": row.lot.expiry_date,
        "unit": row.unit,
        "opening": row.opening,
        "received": row.received,
        "drawn": row.drawn,
        "wasted": row.wasted,
        "transferred_out": row.transferred_out,
        "adjusted": row.adjusted,
        "closing": row.closing,
        "closing_mg": row.closing_mg,
    }


@router.get("/balances", response=list[BalanceOut])
def balances(request, as_of: date | None = None):
    require(request.membership, VIEW)
    day = as_of or clinic_today(request.membership.clinic)
    return [balance_out(r) for r in queries.balances_on(request.membership.clinic, day)]


@router.get("/report")
def report(request, as_of: date | None = None):
    """The inventory report for `as_of` (default today) as CSV."""
    require(request.membership, VIEW)
    day = as_of or clinic_today(request.membership.clinic)
    body = report_csv(day, queries.balances_on(request.membership.clinic, day))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inventory-{day.isoformat()}.csv"'
    return response
