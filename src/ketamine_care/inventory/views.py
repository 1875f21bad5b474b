"""Ledger screens. Thin: authorize, parse a form, call one service, redirect (or re-render the
ledger with the form's errors). Plain POST forms: they work from the keyboard and without
JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import DomainError
from ketamine_care.inventory import access, forms, queries, reconciliation, services
from ketamine_care.inventory.report import report_csv

MANAGE = Capability.MANAGE_INVENTORY
DRAW = Capability.DRAW_STOCK
RECENT_ENTRIES = 25

# form name on the ledger page -> (form class, capability that shows it)
LEDGER_FORMS = {
    "draw": (forms.DrawForm, DRAW),
    "waste": (forms.WasteForm, DRAW),
    "receive": (forms.ReceiptForm, MANAGE),
    "transfer_in": (forms.TransferInForm, MANAGE),
    "transfer_out": (forms.TransferOutForm, MANAGE),
    "adjust": (forms.AdjustmentForm, MANAGE),
    "count": (forms.CountForm, MANAGE),
}
# form name -> (panel title, submit label, url name, hidden direction)
PANELS = {
    "draw": ("Draw stock for an administration", "Record draw", "inventory:draw", ""),
    "waste": ("Waste, with a witness", "Record witnessed waste", "inventory:waste", ""),
    "receive": ("Receive stock (invoice)", "Record receipt", "inventory:receive", ""),
    "transfer_in": ("Transfer in", "Record transfer in", "inventory:transfer", "in"),
    "transfer_out": ("Transfer out", "Record transfer out", "inventory:transfer", "out"),
    "adjust": ("Adjust a balance", "Record adjustment", "inventory:adjust", ""),
    "count": ("Physical count (reconciliation)", "Record count", "inventory:count", ""),
    "product": ("Add a product", "Add product", "inventory:add_product", ""),
}


def _make_form(request, name: str, data=None):
    form_class = LEDGER_FORMS[name][0]
    # Each panel's fields get their own ids: the ledger page shows every panel at once.
    kwargs = {"clinic": request.membership.clinic, "auto_id": f"id_{name}_%s"}
    if issubclass(form_class, forms.WitnessedForm):
        kwargs["performer"] = request.user
    return form_class(data, **kwargs)


def _apply_errors(form, error: DomainError) -> None:
    for field, message in error.fields.items():
        form.add_error(field if field in form.fields else None, message)
    if not error.fields or not set(error.fields) & set(form.fields):
        form.add_error(None, error.message)


def _ledger_context(request, bound: dict | None = None) -> dict:
    clinic = request.membership.clinic
    ledger_forms = {
        name: _make_form(request, name)
        for name, (_, capability) in LEDGER_FORMS.items()
        if has_capability(request.membership, capability)
    }
    manage = has_capability(request.membership, MANAGE)
    if manage:
        ledger_forms["product"] = forms.ProductForm(auto_id="id_product_%s")
    ledger_forms.update(bound or {})
    panels = [_panel(name, form, name in (bound or {})) for name, form in ledger_forms.items()]
    return {
        "lots": queries.lots_for(clinic).filter(balance__gt=0),
        "entries": queries.entries_for(clinic).order_by("-created_at", "-id")[:RECENT_ENTRIES],
        "discrepancies": _with_resolve_forms(request, queries.open_discrepancies(clinic))
        if manage
        else [],
        "panels": panels,
        "today": clinic_today(clinic),
    }


def _with_resolve_forms(request, discrepancies) -> list:
    """Each open discrepancy with its own resolve form (ids unique per row)."""
    rows = list(discrepancies)
    for d in rows:
        d.resolve_form = forms.ResolveForm(
            clinic=request.membership.clinic,
            performer=request.user,
            auto_id=f"id_resolve_{d.public_id}_%s",
        )
    return rows


def _panel(name: str, form, is_open: bool) -> dict:
    title, submit, url_name, direction = PANELS[name]
    return {
        "name": name,
        "form": form,
        "title": title,
        "submit": submit,
        "action": reverse(url_name),
        "direction": direction,
        "open": is_open,
    }


@clinic_required(Capability.VIEW_INVENTORY)
def ledger(request):
    return render(request, "inventory/ledger.html", _ledger_context(request))


def _submit(request, name: str, run, success: str):
    """Validate the named ledger form, run the service, redirect; or show the errors."""
    form = _make_form(request, name, request.POST)
    status = 422
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except DomainError as error:
            _apply_errors(form, error)
            status = error.status_code
        else:
            messages.success(request, success)
            return redirect("inventory:ledger")
    context = _ledger_context(request, {name: form})
    return render(request, "inventory/ledger.html", context, status=status)


def _actor(request) -> dict:
    return {"actor": request.user, "request": request}


@clinic_required(DRAW)
@require_POST
def draw(request):
    def run(data):
        services.draw_stock(**_actor(request), **data)

    return _submit(request, "draw", run, "Draw recorded.")


@clinic_required(DRAW)
@require_POST
def waste(request):
    def run(data):
        services.waste_stock(**_actor(request), **data)

    return _submit(request, "waste", run, "Witnessed waste recorded.")


@clinic_required(MANAGE)
@require_POST
def receive(request):
    def run(data):
        services.receive_stock(**_actor(request), **data)

    return _submit(request, "receive", run, "Receipt recorded.")


@clinic_required(MANAGE)
@require_POST
def transfer(request):
    name = "transfer_in" if request.POST.get("direction") == "in" else "transfer_out"
    service = services.transfer_in if name == "transfer_in" else services.transfer_out

    def run(data):
        service(**_actor(request), **data)

    return _submit(request, name, run, "Transfer recorded.")


@clinic_required(MANAGE)
@require_POST
def adjust(request):
    def run(data):
        services.adjust_stock(**_actor(request), **data)

    return _submit(request, "adjust", run, "Adjustment recorded.")


@clinic_required(MANAGE)
@require_POST
def count(request):
    def run(data):
        _, discrepancy = reconciliation.record_count(**_actor(request), **data)
        if discrepancy is not None:
            messages.warning(
                request,
                f"The count differs from the ledger by {discrepancy.difference} "
                f"{discrepancy.lot.get_unit_display()}: a discrepancy is open for review.",
            )

    return _submit(request, "count", run, "Count recorded.")


@clinic_required(MANAGE)
@require_POST
def add_product(request):
    form = forms.ProductForm(request.POST, auto_id="id_product_%s")
    status = 422
    if form.is_valid():
        try:
            services.add_product(
                clinic=request.membership.clinic, **_actor(request), **form.cleaned_data
            )
        except DomainError as error:
            _apply_errors(form, error)
            status = error.status_code
        else:
            messages.success(request, "Product added.")
            return redirect("inventory:ledger")
    context = _ledger_context(request, {"product": form})
    return render(request, "inventory/ledger.html", context, status=status)


@clinic_required(Capability.VIEW_INVENTORY)
def lot_history(request, lot_id):
    lot = access.access_lot(request.membership, lot_id)
    context = {
        "lot": lot,
        "entries": queries.entries_for(request.membership.clinic, lot=lot),
        "correction_form": forms.CorrectionForm(),
        "today": clinic_today(request.membership.clinic),
    }
    return render(request, "inventory/lot.html", context)


@clinic_required(MANAGE)
@require_POST
def correct(request, entry_id):
    entry = access.access_entry(request.membership, entry_id, MANAGE)
    form = forms.CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the correction.")
    else:
        try:
            services.correct_entry(
                entry=entry, reason=form.cleaned_data["reason"], **_actor(request)
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Correction recorded as a new entry.")
    return redirect("inventory:lot", lot_id=entry.lot.public_id)


@clinic_required(MANAGE)
@require_POST
def resolve(request, discrepancy_id):
    discrepancy = access.access_discrepancy(request.membership, discrepancy_id)
    form = forms.ResolveForm(request.POST, clinic=request.membership.clinic, performer=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    else:
        try:
            reconciliation.resolve_discrepancy(
                discrepancy=discrepancy, **_actor(request), **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, " ".join(error.fields.values()) or error.message)
        else:
            messages.success(request, "Discrepancy resolved.")
    return redirect("inventory:ledger")


def _report_day(request):
    today = clinic_today(request.membership.clinic)
    form = forms.ReportDateForm(request.GET or {"as_of": today})
    day = form.cleaned_data["as_of"] if form.is_valid() else today
    return form, day


@clinic_required(Capability.VIEW_INVENTORY)
def report(request):
    form, day = _report_day(request)
    rows = queries.balances_on(request.membership.clinic, day)
    context = {"form": form, "day": day, "rows": rows, "generated_at": timezone.now()}
    return render(request, "inventory/report.html", context)


@clinic_required(Capability.VIEW_INVENTORY)
def report_csv_view(request):
    _, day = _report_day(request)
    body = report_csv(day, queries.balances_on(request.membership.clinic, day))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inventory-{day.isoformat()}.csv"'
    return response
