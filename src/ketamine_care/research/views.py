"""The researcher's workspace: the clinic's research projects and their de-identified counts.
No page here names a patient, shows a record number, a contact detail, free text or a real
date, and none links to a patient page."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.shortcuts import render

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.research import queries


@clinic_required(Capability.EXPORT_RESEARCH)
def workspace(request):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    clinic = request.membership.clinic
    context = {
        "projects": queries.projects_of(clinic),
        "can_manage": has_capability(request.membership, Capability.MANAGE_RESEARCH),
    }
    return render(request, "research/workspace.html", context)
