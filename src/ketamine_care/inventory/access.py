"""Fetch-or-fail for ledger records, scoped to the caller's clinic."""

from __future__ import annotations

from django.http import Http404

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.inventory.models import Discrepancy, LedgerEntry, Lot, Product


def _access(model, membership, public_id, capability, queryset=None):
    require(membership, capability)
    rows = queryset if queryset is not None else model.objects.all()
    try:
        return rows.get(clinic_id=membership.clinic_id, public_id=public_id)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No such {model._meta.verbose_name}") from exc


def access_product(membership, public_id, capability=Capability.VIEW_INVENTORY) -> Product:
    return _access(Product, membership, public_id, capability)


def access_lot(membership, public_id, capability=Capability.VIEW_INVENTORY) -> Lot:
    return _access(Lot, membership, public_id, capability, Lot.objects.select_related("product"))


def access_entry(membership, public_id, capability=Capability.VIEW_INVENTORY) -> LedgerEntry:
    rows = LedgerEntry.objects.select_related("lot__product", "performed_by", "witness")
    return _access(LedgerEntry, membership, public_id, capability, rows)


def access_discrepancy(membership, public_id, capability=Capability.MANAGE_INVENTORY):
    rows = Discrepancy.objects.select_related("lot__product")
    return _access(Discrepancy, membership, public_id, capability, rows)
