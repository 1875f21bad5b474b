"""Scheduled measures in the clinic (the outstanding list, resend, contact preferences, the
clinic's settings) and the patient's message page (no login; the link is the key)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.errors import DomainError
from ketamine_care.outcomes.services import safety_settings_for
from ketamine_care.patients.access import access_patient
from ketamine_care.portal import instructions, measure_services, ratelimit
from ketamine_care.portal.forms_measures import ContactForm, MeasureSettingsForm
from ketamine_care.portal.models import MeasureRequest, MessageKind
from ketamine_care.portal.patient_view import own_view
from ketamine_care.portal.queries import outstanding, record_outstanding_listed
from ketamine_care.portal.views import _private, _unusable

SEND = Capability.SEND_SELF_REPORT_LINK
PAGE_SIZE = 50


@clinic_required(SEND)
@require_http_methods(["GET"])
def outstanding_measures(request):
    clinic = request.membership.clinic
    page = Paginator(outstanding(clinic), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"request": row, "state": row.state_at(now)} for row in page.object_list]
    record_outstanding_listed(
        clinic=clinic, rows=page.object_list, actor=request.user, request=request
    )
    return render(request, "portal/outstanding.html", {"rows": rows, "page": page})


@clinic_required(SEND)
@require_POST
def resend_measure(request, request_id):
    row = MeasureRequest.objects.filter(
        public_id=request_id, clinic=request.membership.clinic
    ).first()
    if row is None:
        raise Http404
    access_patient(request.membership, row.patient.public_id, SEND)
    try:
        measure_services.resend_request(measure_request=row, actor=request.user, request=request)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "A new link will be sent; the earlier link no longer works.")
    target = request.POST.get("next") or ""
    if target == "chart":
        return redirect(reverse("patients:chart", args=[row.patient.public_id]))
    return redirect(reverse("portal:outstanding_measures"))


@clinic_required(Capability.EDIT_DEMOGRAPHICS)
@require_POST
def contact_preferences(request, patient_id):
    patient = access_patient(request.membership, patient_id, Capability.EDIT_DEMOGRAPHICS)
    form = ContactForm(request.POST)
    if form.is_valid():
        measure_services.set_contact_preferences(
            patient=patient, actor=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, "Contact preferences saved.")
    else:
        messages.error(request, "The contact preferences could not be read.")
    return redirect(
        reverse("patients:chart", args=[patient.public_id]) + "#section-scheduled-measures"
    )


@clinic_required(Capability.MANAGE_SAFETY_SETTINGS)
@require_POST
def measure_settings(request):
    form = MeasureSettingsForm(request.POST)
    if form.is_valid():
        try:
            measure_services.save_measure_settings(
                clinic=request.membership.clinic,
                actor=request.user,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Measure settings saved.")
    else:
        messages.error(request, "Check the measure settings: " + form.errors.as_text())
    return redirect(reverse("outcomes:settings") + "#section-measure-settings")


@never_cache
@require_http_methods(["GET"])
def message(request, token: str):
    if not ratelimit.allow(request):
        return _private(render(request, "portal/slow_down.html", status=429))
    row = instructions.usable_message(token)
    if row is None:
        return _unusable(request)
    discharge = row.kind == MessageKind.DISCHARGE
    context = {
        "first_name": row.patient.given_name,
        "clinic_name": row.clinic.name,
        "discharge": discharge,
        "instructions": (
            instructions.after_session(instructions.discharge_keys(row.session))
            if discharge
            else instructions.before_visit(row.session.drug)
        ),
        "crisis_resources": safety_settings_for(row.clinic).crisis_resources if discharge else "",
        **own_view(row.patient, row.clinic),
    }
    return _private(render(request, "portal/message.html", context))
