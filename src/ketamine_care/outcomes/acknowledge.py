"""The one acknowledgement page behind every alert feed's "Acknowledge…" link.

Questionnaire safety alerts (here), surveillance alerts and therapists' risk alerts differ in
the alert they show and the service that records the acknowledgement; the flow is the same, so
it lives once here (`outcomes` owns the clinic's *Safety alerts* page, and the apps above it
reuse this):

* GET shows the alert and its form; it names the patient, so it is audited as a chart read.
* POST with a note calls the app's audited service. A refusal (an alert already acknowledged,
  a blank note) is shown on the form: 409 for a conflict, 422 otherwise; nothing is saved.
* Success says so and returns to where the user came from (the chart or the alert list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from ketamine_care.core.errors import DomainError
from ketamine_care.outcomes.forms import AcknowledgeForm
from ketamine_care.patients.services import record_chart_view


@dataclass(frozen=True)
class AcknowledgePage:
    """What one kind of alert brings to the shared page."""

    template: str
    chart_part: str  # the audit's name for the part of the chart the page reads
    record: Callable[..., Any]  # the app's service: (alert=, actor=, note=, request=)
    done_url: Callable[[Any], str]  # where a successful acknowledgement returns to
    note_help: str = ""  # the note's help text, when this kind of alert asks for other words
    extra: dict[str, Any] = field(default_factory=dict)


def acknowledge_page(request, alert, page: AcknowledgePage) -> HttpResponse:
    """Show `alert` with its form, or record its acknowledgement (the view has authorized)."""
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if page.note_help:
        form.fields["note"].help_text = page.note_help
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                page.record(
                    alert=alert, actor=request.user, note=form.cleaned_data["note"],
                    request=request,
                )  # fmt: skip
            except DomainError as error:
                status = 409 if error.status_code == 409 else 422
                form.add_error("note" if "note" in error.fields else None, error.message)
            else:
                messages.success(request, "Alert acknowledged.")
                return redirect(page.done_url(alert))
    else:
        record_chart_view(
            patient=alert.patient, actor=request.user, request=request, part=page.chart_part
        )
    context = {"alert": alert, "patient": alert.patient, "form": form, **page.extra}
    return render(request, page.template, context, status=status)
