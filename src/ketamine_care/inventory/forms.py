"""HTML forms of the ledger. They parse input into typed values (quantities as Decimal, text
stripped, dates as dates) and offer only the clinic's own lots, products and witnesses; the
services apply the rules and report errors by field. Every quantity field sits next to an
explicit unit choice."""

from __future__ import annotations

from django import forms

from ketamine_care.accounts.models import User
from ketamine_care.inventory import queries
from ketamine_care.inventory.models import DosageForm, Drug
from ketamine_care.inventory.schemas import MAX_QUANTITY

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
UNITS = [("vial", "vials (whole)"), ("ml", "mL"), ("device", "devices")]
REASON = forms.Textarea(attrs={"rows": 2})


def _quantity(label: str = "Quantity", min_value=None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=10,
        decimal_places=2,
        min_value=min_value,
        max_value=MAX_QUANTITY,
        help_text="In the unit chosen next: mL, whole vials, or devices.",
    )


def lot_choice_label(lot) -> str:
    """How a lot reads in a picker: product, lot number, expiry and what is left."""
    return (
        f"{lot.product.name} · lot {lot.lot_number} · exp {lot.expiry_date:%Y-%m-%d} · "
        f"{lot.balance} {lot.get_unit_display()} left"
    )


class LotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, lot) -> str:
        return lot_choice_label(lot)


class _ClinicForm(forms.Form):
    def __init__(self, *args, clinic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        if "lot" in self.fields:
            self.fields["lot"].queryset = self.lots()
        if "product" in self.fields:
            self.fields["product"].queryset = queries.products_for(clinic)

    def lots(self):
        return queries.lots_for(self.clinic).filter(balance__gt=0)


def _lot_field(required: bool = True) -> LotChoiceField:
    return LotChoiceField(queryset=None, to_field_name="public_id", required=required)


def _product_field(required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=None, to_field_name="public_id", required=required)


class DrawForm(_ClinicForm):
    lot = _lot_field()
    quantity = _quantity("Quantity drawn")
    unit = forms.ChoiceField(choices=UNITS, initial="ml")
    administration_ref = forms.CharField(
        label="Administration reference", max_length=64, required=False
    )

    def lots(self):
        return queries.usable_lots(self.clinic)


class WitnessedForm(_ClinicForm):
    """A removal of stock another clinician witnesses and confirms with their own password.
    The service decides when a witness is needed (a decrease, not an increase)."""

    witness_required = True
    witness_label = "Witness"

    def __init__(self, *args, performer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in queries.witnesses_for(self.clinic, performer)]
        self.fields["witness"] = forms.ModelChoiceField(
            queryset=User.objects.filter(pk__in=ids).order_by("full_name"),
            to_field_name="public_id",
            required=self.witness_required,
            label=self.witness_label,
        )
        self.fields["witness_password"] = forms.CharField(
            label="Witness's password",
            max_length=256,
            required=self.witness_required,
            widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
            help_text="The witness types their own password here to confirm they saw it.",
        )


class WasteForm(WitnessedForm):
    lot = _lot_field()
    quantity = _quantity("Quantity wasted")
    unit = forms.ChoiceField(choices=UNITS, initial="ml")
    reason = forms.CharField(max_length=2000, widget=REASON)
    administration_ref = forms.CharField(
        label="Administration reference", max_length=64, required=False
    )


class ReceiptForm(_ClinicForm):
    product = _product_field()
    lot_number = forms.CharField(label="Lot number", max_length=40)
    expiry_date = forms.DateField(label="Expiry date", widget=DATE_INPUT)
    quantity = _quantity("Quantity received")
    unit = forms.ChoiceField(choices=UNITS, initial="vial")
    invoice_number = forms.CharField(label="Invoice number", max_length=60)


class TransferInForm(_ClinicForm):
    product = _product_field()
    lot_number = forms.CharField(label="Lot number", max_length=40)
    expiry_date = forms.DateField(label="Expiry date", widget=DATE_INPUT)
    quantity = _quantity("Quantity transferred in")
    unit = forms.ChoiceField(choices=UNITS, initial="vial")
    counterparty = forms.CharField(label="From (registrant or location)", max_length=200)
    reason = forms.CharField(max_length=2000, widget=REASON)


class TransferOutForm(WitnessedForm):
    lot = _lot_field()
    quantity = _quantity("Quantity transferred out")
    unit = forms.ChoiceField(choices=UNITS, initial="vial")
    counterparty = forms.CharField(label="To (registrant or location)", max_length=200)
    reason = forms.CharField(max_length=2000, widget=REASON)


class AdjustmentForm(WitnessedForm):
    witness_required = False  # a decrease needs one; the service says so under `witness`
    witness_label = "Witness (for a decrease)"
    lot = _lot_field()
    direction = forms.ChoiceField(choices=[("decrease", "Decrease"), ("increase", "Increase")])
    quantity = _quantity()
    unit = forms.ChoiceField(choices=UNITS, initial="ml")
    reason = forms.CharField(max_length=2000, widget=REASON)

    def lots(self):
        return queries.lots_for(self.clinic)


class CountForm(_ClinicForm):
    lot = _lot_field()
    counted_quantity = _quantity("Quantity counted", min_value=0)
    unit = forms.ChoiceField(choices=UNITS, initial="ml")
    note = forms.CharField(max_length=2000, widget=REASON, required=False)

    def lots(self):
        return queries.lots_for(self.clinic)


class ProductForm(forms.Form):
    name = forms.CharField(max_length=200)
    drug = forms.ChoiceField(choices=Drug.choices)
    form = forms.ChoiceField(label="Dosage form", choices=DosageForm.choices)
    strength_mg_per_ml = forms.DecimalField(
        label="Strength (mg/mL, vials)", max_digits=8, decimal_places=2, required=False
    )
    volume_ml = forms.DecimalField(
        label="Volume per vial (mL)", max_digits=8, decimal_places=2, required=False
    )
    mg_per_device = forms.DecimalField(
        label="Per device (mg, nasal devices)", max_digits=8, decimal_places=2, required=False
    )
    ndc = forms.CharField(label="NDC", max_length=20, required=False)


class CorrectionForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=REASON)


class ResolveForm(WitnessedForm):
    witness_required = False  # only an adjustment down needs one; the service says so
    witness_label = "Witness (for an adjustment down)"
    note = forms.CharField(label="Resolution note", max_length=2000, widget=REASON)
    post_adjustment = forms.BooleanField(
        label="Post an adjustment bringing the ledger to the count", required=False
    )


class ReportDateForm(forms.Form):
    as_of = forms.DateField(label="Inventory on", widget=DATE_INPUT)
