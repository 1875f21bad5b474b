"""The administration page's button: queue the clinic's complete export, then show the
export's page (accounts), which offers the download once the worker has made it."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir.clinic_export_job import request_clinic_export


@clinic_required(Capability.MANAGE_MEMBERS)
@require_POST
def clinic_export(request):
    export = request_clinic_export(
        clinic=request.membership.clinic, actor=request.user, request=request
    )
    return redirect("accounts:export", export_id=export.public_id)
