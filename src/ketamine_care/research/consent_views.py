"""Recording a patient's research consent from the chart. The form sits in the chart's
"Research consent" panel (research/chart.py); this page shows it alone, with its errors."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.errors import DomainError
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view, record_research_consent
from ketamine_care.research.chart import consent_section
from ketamine_care.research.forms import ResearchConsentForm

RECORD = Capability.RECORD_RESEARCH_CONSENT


@clinic_required(RECORD)
def record_consent(request, patient_id):
    patient = access_patient(request.membership, patient_id, RECORD)
    context = consent_section(request, patient)
    status = 200
    if request.method == "POST" and not patient.is_active:
        status = 409  # the panel says why: it offers no form for this patient
    elif request.method == "POST":
        form = ResearchConsentForm(request.POST, clinic=patient.clinic)
        status = 422
        if form.is_valid():
            try:
                record_research_consent(
                    patient=patient, actor=request.user, request=request, **form.values()
                )
            except DomainError as error:
                for field, message in error.fields.items():
                    form.add_error(field if field in form.fields else None, message)
                if not error.fields:
                    form.add_error(None, error.message)
            else:
                chart = reverse("patients:chart", args=[patient.public_id])
                return redirect(f"{chart}#section-research-consent")
        context["research_consent_form"] = form
    else:
        record_chart_view(
            patient=patient, actor=request.user, request=request, part="research_consent"
        )
    return render(request, "research/consent.html", {"patient": patient, **context}, status=status)
