"""An export's page (preparing, ready to download, failed or expired) and its download. Only
the person who asked for it, in the same clinic, finds it (anyone else: 404); the capability
its kind needs is checked again, and each download is audited."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.job_services import record_export_downloaded
from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.jobs.exports import access_export


def _own_export(request, export_id):
    export = access_export(clinic=request.membership.clinic, user=request.user, public_id=export_id)
    require(request.membership, Capability(export.capability))
    return export


@clinic_required()
def export_page(request, export_id):
    export = _own_export(request, export_id)  # 404 before 405: nothing is revealed
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {"export": export, "state": export.state_at(timezone.now())}
    template = "accounts/export.html"
    if request.htmx:
        template += "#export-state"
    return render(request, template, context)


@clinic_required()
def export_download(request, export_id):
    export = _own_export(request, export_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    state = export.state_at(timezone.now())
    if state != "ready" or export.content is None:
        context = {"export": export, "state": state}
        return render(
            request, "accounts/export.html", context, status=410 if state == "expired" else 409
        )
    record_export_downloaded(
        acting_user=request.user, clinic=request.membership.clinic, export=export, request=request
    )
    response = HttpResponse(bytes(export.content), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
