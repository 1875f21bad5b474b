"""The researcher's workspace: the clinic's research projects and their de-identified counts.
No page here names a patient, shows a record number, a contact detail, free text or a real
date, and none links to a patient page."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.errors import DomainError
from ketamine_care.research import queries, services
from ketamine_care.research.cells import total_cell
from ketamine_care.research.cohorts import NO_PLAN, cohort_counts
from ketamine_care.research.forms import ResearchProjectForm


@clinic_required(Capability.EXPORT_RESEARCH)
def workspace(request):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    clinic = request.membership.clinic
    rows = queries.workspace_rows(clinic)
    queries.record_workspace_viewed(
        clinic=clinic, counted=sum(n for _, n in rows), actor=request.user, request=request
    )
    context = {
        "projects": [{"project": p, "consenting": total_cell(n)} for p, n in rows],
        "can_manage": has_capability(request.membership, Capability.MANAGE_RESEARCH),
    }
    return render(request, "research/workspace.html", context)


@clinic_required(Capability.EXPORT_RESEARCH)
def project(request, project_id):
    found = queries.access_project(request.membership.clinic, project_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    counts = cohort_counts(found)
    queries.record_project_viewed(
        project=found, counted=counts.total.count or 0, actor=request.user, request=request
    )
    context = {
        "project": found,
        "counts": counts,
        "no_plan": NO_PLAN,
    }
    return render(request, "research/project.html", context)


@clinic_required(Capability.MANAGE_RESEARCH)
def new_project(request):
    status = 200
    form = ResearchProjectForm(request.POST or None)
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                made = services.create_project(
                    clinic=request.membership.clinic,
                    actor=request.user,
                    request=request,
                    **form.cleaned_data,
                )
            except DomainError as error:
                for field, message in error.fields.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                return redirect("research:project", project_id=made.public_id)
    return render(request, "research/new_project.html", {"form": form}, status=status)
