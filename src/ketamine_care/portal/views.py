"""The clinician's link screen, and the public self-report page (no login; the link is the key).

Every unusable link (forged, expired, used, revoked) gets the same page and status, so a
visitor learns nothing about which links exist.
"""

from __future__ import annotations

import segno
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.errors import DomainError
from ketamine_care.outcomes.crisis import CLINIC_ALERTED, CLINIC_NOT_ALERTED
from ketamine_care.outcomes.services import safety_settings_for
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view
from ketamine_care.portal import measure_services, ratelimit, services
from ketamine_care.portal.forms import LinkForm, QuestionnaireForm
from ketamine_care.portal.patient_view import own_view

SEND = Capability.SEND_SELF_REPORT_LINK


@clinic_required(SEND)
@require_http_methods(["GET", "POST"])
def create_link(request, patient_id):
    patient = access_patient(request.membership, patient_id, SEND)
    form = LinkForm(request.POST or None)
    if request.method == "GET":
        record_chart_view(patient=patient, actor=request.user, request=request,
                          part="self_report_link_form")  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            link, token = services.create_link(
                patient=patient,
                actor=request.user,
                instrument_codes=form.cleaned_data["instruments"],
                expires_in_hours=form.cleaned_data["expires_in_hours"],
                request=request,
            )
        except DomainError as error:
            for name, message in error.fields.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            url = request.build_absolute_uri(reverse("portal:respond", args=[token]))
            # segno writes the SVG itself (no user markup inside), so it is safe to inline.
            qr = mark_safe(segno.make(url, error="m").svg_inline(scale=4, title="QR code"))
            context = {"patient": patient, "link": link, "url": url, "qr_svg": qr}
            return render(request, "portal/link_created.html", context)
    status = 422 if form.errors else 200
    context = {"patient": patient, "form": form}
    return render(request, "portal/link_form.html", context, status=status)


def _private(response):
    # The token is in the URL: never send it to another site. Not "no-referrer": Chromium
    # then posts the form with "Origin: null", which CSRF protection rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _unusable(request):
    return _private(render(request, "portal/unusable.html", status=404))


@never_cache
@require_http_methods(["GET", "POST"])
def respond(request, token: str):
    if not ratelimit.allow(request):
        return _private(render(request, "portal/slow_down.html", status=429))
    link = services.usable_link(token)
    if link is None:
        return _unusable(request)
    if request.method == "GET":
        measure_services.mark_opened(link)
    form = QuestionnaireForm(link.instrument_codes, request.POST or None)
    context = {
        "first_name": link.patient.given_name,
        "clinic_name": link.clinic.name,
        "form": form,
        **own_view(link.patient, link.clinic),
    }
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submit_self_report(
                link=link, answers=form.answers(), request=request
            )
        except services.LinkNotUsable:
            return _unusable(request)
        except DomainError as error:
            form.add_plain_errors(error.fields)
        else:
            return _private(_finished(request, link, submission))
    status = 422 if form.errors else 200
    return _private(render(request, "portal/questionnaires.html", context, status=status))


def _finished(request, link, submission):
    if submission.show_crisis_screen:
        context = {
            "resources": safety_settings_for(link.clinic).crisis_resources,
            # Fail safe: the patient hears that the clinic was told only when it was.
            "clinic_words": CLINIC_ALERTED if submission.clinic_alerted else CLINIC_NOT_ALERTED,
        }
        return render(request, "portal/crisis.html", context)
    context = {
        "first_name": link.patient.given_name,
        "clinic_name": link.clinic.name,
        **own_view(link.patient, link.clinic),
    }
    return render(request, "portal/thanks.html", context)
