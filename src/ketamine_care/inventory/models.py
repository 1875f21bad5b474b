"""The controlled-substance ledger of a clinic's own stock (ketamine and esketamine, US
Schedule III).

Units: every quantity is in the lot's stock unit, named by the `unit` column next to it
(CHECKed): millilitres ("ml") for injectable vials, whole devices ("device") for esketamine
nasal devices. Receipts may be entered in whole vials; they are stored in mL.

Ledger entries are append-only: the model refuses updates and deletes, and database triggers
(migration 0002) refuse them too. A mistake is corrected by a new `correction` entry that
reverses the original and points at it. The running balance lives on `Lot.balance`, changed
only by `inventory.services` under a row lock on the lot, and each entry keeps the balance
after it; both are CHECKed never to go below zero.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ketamine_care.core.models import PublicIdModel
from ketamine_care.inventory.ledger import DEVICE, ML

QUANTITY = {"max_digits": 10, "decimal_places": 2}


class Drug(models.TextChoices):
    KETAMINE = "ketamine", "Ketamine"
    ESKETAMINE = "esketamine", "Esketamine"


class DosageForm(models.TextChoices):
    VIAL = "vial", "Vial (injectable)"
    NASAL_DEVICE = "nasal_device", "Nasal spray device"


class StockUnit(models.TextChoices):
    ML = ML, "mL"
    DEVICE = DEVICE, "devices"


class Product(PublicIdModel):
    """A product the clinic stocks. Vials carry a concentration (mg/mL) and a volume (mL);
    nasal devices carry the mg each device delivers (SPRAVATO: 28 mg per device)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    drug = models.CharField(max_length=16, choices=Drug.choices)
    form = models.CharField(max_length=16, choices=DosageForm.choices)
    strength_mg_per_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    volume_ml = models.DecimalField(
        "volume per vial (mL)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    mg_per_device = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    ndc = models.CharField("NDC", max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["drug", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="product_name_unique"),
            models.CheckConstraint(
                condition=(
                    Q(
                        form="vial",
                        strength_mg_per_ml__gt=0,
                        volume_ml__gt=0,
                        mg_per_device__isnull=True,
                    )
                    | Q(
                        form="nasal_device",
                        mg_per_device__gt=0,
                        strength_mg_per_ml__isnull=True,
                        volume_ml__isnull=True,
                    )
                ),
                name="product_strength_fits_form",
            ),
            models.CheckConstraint(
                condition=~Q(drug="esketamine") | Q(form="nasal_device"),
                name="product_esketamine_is_a_nasal_device",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stock_unit(self) -> str:
        return StockUnit.ML if self.form == DosageForm.VIAL else StockUnit.DEVICE

    @property
    def strength_display(self) -> str:
        if self.form == DosageForm.VIAL:
            return f"{self.strength_mg_per_ml} mg/mL × {self.volume_ml} mL vial"
        return f"{self.mg_per_device} mg per device"

    def mg_in(self, quantity: Decimal) -> Decimal:
        """Milligrams of drug in `quantity` of the stock unit."""
        per_unit = self.strength_mg_per_ml if self.form == DosageForm.VIAL else self.mg_per_device
        return (quantity * per_unit).quantize(Decimal("0.01"))


class Lot(PublicIdModel):
    """One manufacturer lot of a product. `balance` (in the product's stock unit) is the
    running balance; only the ledger services change it, under SELECT ... FOR UPDATE."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=40)
    expiry_date = models.DateField(help_text="Last day the lot may be used.")
    unit = models.CharField(max_length=8, choices=StockUnit.choices)
    balance = models.DecimalField(**QUANTITY, default=Decimal("0"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["product__name", "expiry_date", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "lot_number"], name="lot_unique_in_product"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="lot_balance_not_negative"),
            models.CheckConstraint(condition=Q(unit__in=StockUnit.values), name="lot_unit_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.product} lot {self.lot_number}"

    def is_expired_on(self, day) -> bool:
        return day > self.expiry_date

    @property
    def balance_mg(self) -> Decimal:
        """Drug content of the balance in mg."""
        return self.product.mg_in(self.balance)


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DRAW = "draw", "Draw"
    WASTE = "waste", "Waste"
    TRANSFER_IN = "transfer_in", "Transfer in"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    ADJUSTMENT = "adjustment", "Adjustment"
    COUNT = "count", "Physical count"
    CORRECTION = "correction", "Correction"


INCREASES = (EntryKind.RECEIPT, EntryKind.TRANSFER_IN)
DECREASES = (EntryKind.DRAW, EntryKind.WASTE, EntryKind.TRANSFER_OUT)
NEEDS_REASON = (
    EntryKind.WASTE,
    EntryKind.TRANSFER_IN,
    EntryKind.TRANSFER_OUT,
    EntryKind.ADJUSTMENT,
    EntryKind.CORRECTION,
)


class ImmutableEntry(Exception):
    pass


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableEntry("Ledger entries are append-only; record a correction instead.")

    def delete(self):
        raise ImmutableEntry("Ledger entries are append-only; record a correction instead.")


class LedgerEntry(PublicIdModel):
    """One immutable line of the ledger.

    `quantity` is the magnitude (for a count: the quantity physically counted), `delta` the
    signed change to the lot, `balance_after` the lot's balance once applied, all in `unit`.
    `administration_ref` links a draw or waste to a dose administration; it is a plain
    reference for now (the treatment-session models that will own administrations come with
    issue 5's session work) and becomes a foreign key then.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    unit = models.CharField(max_length=8, choices=StockUnit.choices)
    quantity = models.DecimalField(**QUANTITY)
    delta = models.DecimalField(**QUANTITY)
    balance_after = models.DecimalField(**QUANTITY)
    invoice_number = models.CharField(max_length=60, blank=True)
    counterparty = models.CharField(
        max_length=200, blank=True, help_text="Other registrant or location of a transfer."
    )
    reason = models.TextField(blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    administration_ref = models.CharField(max_length=64, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="corrections", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(unit__in=StockUnit.values), name="ledger_entry_unit_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=INCREASES, quantity__gt=0, delta=F("quantity"))
                    | Q(kind__in=DECREASES, quantity__gt=0, delta=-F("quantity"))
                    | Q(kind=EntryKind.COUNT, quantity__gte=0, delta=0)
                    | (
                        Q(kind__in=[EntryKind.ADJUSTMENT, EntryKind.CORRECTION], quantity__gt=0)
                        & (Q(delta=F("quantity")) | Q(delta=-F("quantity")))
                    )
                ),
                name="ledger_entry_delta_fits_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.RECEIPT) | ~Q(invoice_number=""),
                name="ledger_entry_receipt_has_invoice",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=NEEDS_REASON) | ~Q(reason=""),
                name="ledger_entry_reason_given",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.WASTE) | Q(witness__isnull=False),
                name="ledger_entry_waste_witnessed",
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=F("performed_by")),
                name="ledger_entry_witness_not_performer",
            ),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.CORRECTION, corrects__isnull=False)
                | (~Q(kind=EntryKind.CORRECTION) & Q(corrects__isnull=True)),
                name="ledger_entry_correction_points_at_original",
            ),
            models.UniqueConstraint(fields=["corrects"], name="ledger_entry_corrected_once"),
        ]
        indexes = [models.Index(fields=["clinic", "created_at"], name="ledger_entry_clinic_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delta} {self.unit} ({self.lot})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableEntry("Ledger entries are append-only; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntry("Ledger entries are append-only; record a correction instead.")


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class DiscrepancyQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=DiscrepancyStatus.OPEN)


class Discrepancy(PublicIdModel):
    """A physical count that differs from the ledger. It stays open (shown to the clinic
    admin and the medical director) until resolved with a note; resolving may post the
    adjustment that brings the ledger to the count."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="discrepancies")
    count_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="discrepancy"
    )
    unit = models.CharField(max_length=8, choices=StockUnit.choices)
    expected_quantity = models.DecimalField(**QUANTITY)
    counted_quantity = models.DecimalField(**QUANTITY)
    status = models.CharField(
        max_length=10, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    adjustment = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DiscrepancyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(
                condition=~Q(expected_quantity=F("counted_quantity")),
                name="discrepancy_differs",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | (
                    Q(resolved_by__isnull=False, resolved_at__isnull=False) & ~Q(resolution_note="")
                ),
                name="discrepancy_resolution_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot}: counted {self.counted_quantity}, ledger {self.expected_quantity}"

    @property
    def difference(self) -> Decimal:
        """Counted minus expected: negative when stock is missing."""
        return self.counted_quantity - self.expected_quantity
