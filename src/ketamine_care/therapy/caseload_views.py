"""The therapists' caseload, the caseload windows, and acknowledging a therapy risk alert."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.errors import DomainError
from ketamine_care.outcomes.acknowledge import AcknowledgePage, acknowledge_page
from ketamine_care.therapy import queries, services
from ketamine_care.therapy.access import access_risk_alert
from ketamine_care.therapy.forms import CaseloadSettingsForm
from ketamine_care.therapy.windows import defaults, windows_for

ACKNOWLEDGE = AcknowledgePage(
    template="therapy/acknowledge.html",
    chart_part="therapy_risk_alert",
    record=services.acknowledge_risk_alert,
    done_url=lambda alert: reverse("outcomes:alerts"),
)


@clinic_required(Capability.VIEW_THERAPY)
def caseload(request):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    clinic = request.membership.clinic
    mine = request.GET.get("mine") == "1"
    therapist = request.user if mine else None
    shown = queries.caseload(clinic, windows_for(clinic), therapist=therapist)
    queries.record_caseload_listed(clinic=clinic, shown=shown, actor=request.user, request=request)
    context = {
        "caseload": shown,
        "mine": mine,
        "can_record": has_capability(request.membership, Capability.RECORD_THERAPY),
        "can_set_windows": has_capability(request.membership, Capability.MANAGE_THERAPY_SETTINGS),
        "overdue_shown_days": queries.OVERDUE_SHOWN_DAYS,
    }
    return render(request, "therapy/caseload.html", context)


@clinic_required(Capability.MANAGE_THERAPY_SETTINGS)
def caseload_settings(request):
    clinic = request.membership.clinic
    windows = windows_for(clinic)
    status = 200
    if request.method == "POST":
        form = CaseloadSettingsForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.update_caseload_settings(
                    clinic=clinic, actor=request.user, request=request, **form.cleaned_data
                )
            except DomainError as error:
                for field, message in error.fields.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                return redirect("therapy:settings")
    else:
        form = CaseloadSettingsForm(
            initial={
                "upcoming_days": windows.upcoming_days,
                "integration_days": windows.integration_days,
            }
        )
    context = {"form": form, "windows": windows, "defaults": defaults()}
    return render(request, "therapy/settings.html", context, status=status)


@clinic_required(Capability.ACKNOWLEDGE_ALERT)
@require_http_methods(["GET", "POST"])
def acknowledge(request, risk_alert_id):
    alert = access_risk_alert(request.membership, risk_alert_id, Capability.ACKNOWLEDGE_ALERT)
    return acknowledge_page(request, alert, ACKNOWLEDGE)
