"""Protocol screens: the library, a protocol page, activation and drafts (medical director)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.errors import DomainError
from ketamine_care.protocols import access, forms, queries, services, update


def apply_errors(form, error: DomainError, strip_prefix: str = "") -> None:
    """Each refusal on the field it names (by its words, never its path)."""
    for field, message in error.fields.items():
        path = field.removeprefix(strip_prefix)
        name = form.field_for(path) if hasattr(form, "field_for") else path.replace(".", "__")
        if name in form.fields:
            form.add_error(name, message)
        else:
            label = form.label_for(path) if hasattr(form, "label_for") else "This protocol"
            form.add_error(None, f"{label}: {message}")
    if not error.fields:
        form.add_error(None, error.message)


@clinic_required(Capability.VIEW_TREATMENT)
def library(request):
    rows = queries.library(request.membership.clinic)
    return render(request, "protocols/library.html", {"rows": rows})


@clinic_required(Capability.VIEW_TREATMENT)
def detail(request, protocol_id: str):
    shipped = queries.shipped_or_404(protocol_id)
    versions = queries.versions_of(request.membership.clinic, protocol_id)
    active = next((v for v in versions if v.is_active), None)
    by_pk = {v.pk: v for v in versions}  # the versions an active one rests on, read already
    return render(
        request,
        "protocols/detail.html",
        {
            "protocol": active.parsed() if active else shipped,
            "active": active,
            "versions": versions,
            "version_rows": queries.version_rows(versions),
            "can_manage": has_capability(request.membership, Capability.MANAGE_PROTOCOLS),
            "newer_shipped": update.newer_shipped_version(active, by_pk) if active else None,
            "active_base": update.base_version(active, by_pk) if active else None,
        },
    )


def _confirming(request, form) -> bool:
    """A valid POST carrying `confirm` saves; any other valid POST shows the confirmation."""
    return "confirm" in request.POST and "edit" not in request.POST and form.is_valid()


@clinic_required(Capability.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def activate(request, protocol_id: str):
    shipped = queries.shipped_or_404(protocol_id)
    data = request.POST if request.method == "POST" else None
    form = forms.ActivateForm(
        data,
        must_set=list(shipped.clinic_must_set),
        dose_units={
            r: "mg/kg" if d.basis == "mg_per_kg" else "mg" for r, d in shipped.dose.items()
        },
    )
    context = {"protocol": shipped, "form": form}
    kwargs = {"clinic": request.membership.clinic, "protocol_id": protocol_id}
    try:
        if _confirming(request, form):
            services.activate_protocol(
                **kwargs, actor=request.user, clinic_values=form.clinic_values(), request=request
            )
            messages.success(request, f"{shipped.title} is active in this clinic.")
            return redirect("protocols:detail", protocol_id=protocol_id)
        if data is not None and "edit" not in data and form.is_valid():
            services.check_activation(
                **kwargs, actor=request.user, clinic_values=form.clinic_values()
            )
            context["changes"] = form.changes() or ["No values to set: the shipped definition."]
            return render(request, "protocols/confirm.html", context)
    except DomainError as error:
        apply_errors(form, error, "clinic_values.")
    status = 422 if form.errors else 200
    return render(request, "protocols/activate.html", context, status=status)


@clinic_required(Capability.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def new_draft(request, protocol_id: str):
    shipped = queries.shipped_or_404(protocol_id)
    active = queries.active_version(request.membership.clinic, protocol_id)
    if active is None:
        messages.error(request, "Activate the protocol before drafting changes.")
        return redirect("protocols:detail", protocol_id=protocol_id)
    specs = queries.editable_fields(active)
    data = request.POST if request.method == "POST" else None
    form = forms.ProtocolValuesForm(data, specs=specs)
    context = {"protocol": shipped, "form": form, "active": active}
    try:
        if _confirming(request, form):
            services.create_draft(
                from_version=active,
                edits=form.edits(),
                note=form.cleaned_data["note"],
                actor=request.user,
                request=request,
            )
            messages.success(request, "Draft saved. Publish it to make it the active version.")
            return redirect("protocols:detail", protocol_id=protocol_id)
        if data is not None and "edit" not in data and form.is_valid():
            context["changes"] = [
                c.text
                for c in services.preview_draft(
                    from_version=active, edits=form.edits(), actor=request.user
                )
            ]
            return render(request, "protocols/confirm.html", context)
    except DomainError as error:
        apply_errors(form, error, "edits.")
    status = 422 if form.errors else 200
    return render(request, "protocols/draft.html", context, status=status)


def _version_action(request, version_id, action, done: str):
    version = access.access_version(request.membership, version_id, Capability.MANAGE_PROTOCOLS)
    try:
        action(version=version, actor=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("protocols:detail", protocol_id=version.protocol_id)


@clinic_required(Capability.MANAGE_PROTOCOLS)
@require_POST
def publish(request, version_id):
    return _version_action(request, version_id, services.publish_draft, "Draft published.")


@clinic_required(Capability.MANAGE_PROTOCOLS)
@require_POST
def retire(request, version_id):
    return _version_action(request, version_id, services.retire, "Version retired.")


@clinic_required(Capability.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def update_draft(request, protocol_id: str):
    """A draft from the library's newer definition: what it changes, which of the clinic's
    own changes it carries (each may be left behind), and the values it newly asks for."""
    shipped = queries.shipped_or_404(protocol_id)
    active = queries.active_version(request.membership.clinic, protocol_id)
    if active is None:
        messages.error(request, "Activate the protocol before drafting changes.")
        return redirect("protocols:detail", protocol_id=protocol_id)
    data = request.POST if request.method == "POST" else None
    try:
        plan = services.preview_update(from_version=active, actor=request.user)
    except DomainError as error:
        messages.info(request, error.message)
        return redirect("protocols:detail", protocol_id=protocol_id)
    form = forms.UpdateForm(data, carried=plan.carried)
    values = forms.ActivateForm(data, must_set=plan.missing_values) if plan.missing_values else None
    context = {"protocol": shipped, "active": active, "plan": plan, "form": form, "values": values}
    if data is not None and form.is_valid() and (values is None or values.is_valid()):
        try:
            services.create_update_draft(
                from_version=active,
                keep=form.kept(),
                clinic_values=values.clinic_values() if values else {},
                note=form.cleaned_data["note"],
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            apply_errors(values or form, error, "clinic_values.")
        else:
            messages.success(
                request,
                f"Draft made from shipped version {plan.shipped_version}. "
                "Publish it to make it the active version.",
            )
            return redirect("protocols:detail", protocol_id=protocol_id)
    status = 422 if form.errors or (values is not None and values.errors) else 200
    return render(request, "protocols/update.html", context, status=status)
