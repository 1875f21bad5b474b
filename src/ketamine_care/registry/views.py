"""The clinic outcomes dashboard (GET only). Thin: parse the cohort form, call one query,
render. A cohort form with errors shows them and the whole clinic's figures."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.shortcuts import render

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.registry.cohorts import CohortFilter
from ketamine_care.registry.definitions import DEFINITIONS
from ketamine_care.registry.forms import CohortForm
from ketamine_care.registry.jobs import request_stale_refresh
from ketamine_care.registry.queries import clinic_dashboard, cohort_choices


@clinic_required(Capability.VIEW_REGISTRY_COUNTS)
def dashboard(request):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    protocols, indications = cohort_choices(request.membership)
    form = CohortForm(request.GET or None, protocols=protocols, indications=indications)
    cohort = form.cohort() if form.is_bound and form.is_valid() else CohortFilter()
    board = clinic_dashboard(request.membership, cohort, request=request)
    if board.stale != "0" or (board.cube_built_at is None and not board.empty):
        # The next reading is current (the job also rebuilds a cube a deletion outdated).
        request_stale_refresh(request.membership.clinic)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "board": board, "definitions": DEFINITIONS.items()}
    return render(request, "registry/dashboard.html", context, status=status)
