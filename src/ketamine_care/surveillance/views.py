"""Recording surveillance checks from the chart and acknowledging their alerts. Thin:
authorize, parse with the check's form, call its service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import DomainError
from ketamine_care.outcomes.acknowledge import AcknowledgePage, acknowledge_page
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view
from ketamine_care.surveillance import queries, services
from ketamine_care.surveillance.access import access_alert
from ketamine_care.surveillance.forms import FORMS
from ketamine_care.surveillance.models import CheckKind

ACKNOWLEDGE = AcknowledgePage(
    template="surveillance/acknowledge.html",
    chart_part="surveillance_alert",
    record=services.acknowledge_alert,
    done_url=lambda alert: reverse("patients:chart", args=[alert.patient.public_id]),
    note_help="Required: the referral, call or plan that answers this alert.",
)
RECORDERS = {
    "bladder_review": services.record_bladder_review,
    "liver_tests": services.record_liver_tests,
    "cognitive_screen": services.record_cognitive_screen,
    "misuse_review": services.record_misuse_review,
    "urine_drug_screen": services.record_drug_screen,
    "exposure_review": services.record_exposure_review,
}


@clinic_required(Capability.RECORD_SURVEILLANCE)
@require_http_methods(["GET", "POST"])
def record(request, patient_id, check_kind):
    kind = check_kind
    if kind not in FORMS:
        raise Http404("No such check")
    patient = access_patient(request.membership, patient_id, Capability.RECORD_SURVEILLANCE)
    today = clinic_today(request.membership.clinic)
    form = FORMS[kind](request.POST or None, initial={"done_on": today})
    exposure = None
    if kind == CheckKind.EXPOSURE_REVIEW:
        doses = queries.patient_doses(patient, request.membership.clinic)
        exposure = queries.cumulative_exposure(doses, today=today)
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        if exposure is not None:
            arguments["exposure"] = exposure.as_report()
        try:
            check = RECORDERS[kind](
                patient=patient, actor=request.user, request=request, **arguments
            )
        except DomainError as error:
            for field, words in error.fields.items():
                form.add_error(field if field in form.fields else None, words)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(request, f"{CheckKind(kind).label} recorded.")
            for alert in check.raised_alerts:
                messages.warning(request, f"{alert.message} Pathway: {alert.pathway}")
            return redirect("patients:chart", patient_id=patient.public_id)
    if request.method == "GET":
        record_chart_view(patient=patient, actor=request.user, request=request, part=kind)
    context = {
        "patient": patient,
        "form": form,
        "kind": kind,
        "kind_label": CheckKind(kind).label,
        "exposure": exposure.as_dict() if exposure else None,
        "exposure_notes": exposure.notes() if exposure else [],
    }
    status = 422 if form.errors else 200
    return render(request, "surveillance/record.html", context, status=status)


@clinic_required(Capability.ACKNOWLEDGE_ALERT)
@require_http_methods(["GET", "POST"])
def acknowledge(request, surveillance_alert_id):
    alert = access_alert(request.membership, surveillance_alert_id, Capability.ACKNOWLEDGE_ALERT)
    return acknowledge_page(request, alert, ACKNOWLEDGE)
