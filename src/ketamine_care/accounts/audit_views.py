"""The audit page: a clinic's audit trail, filtered, for roles that may read it. The trail
itself (recording, the chain, redaction) is the `audit` app's; this screen sits here because it
needs the capability checks, and `audit` is below `accounts`."""

from django.core.paginator import Paginator
from django.shortcuts import render

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.audit.forms import AuditFilterForm
from ketamine_care.audit.queries import (
    AuditFilters,
    event_types_for_clinic,
    events_for_clinic,
    record_audit_listed,
)
from ketamine_care.audit.redaction import redact
from ketamine_care.core.db_routing import reads_from_replica


@clinic_required(Capability.VIEW_AUDIT)
@reads_from_replica  # a report; its own audit record is written to the primary
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = AuditFilters(**form.cleaned_data) if form.is_valid() else AuditFilters()
    events = events_for_clinic(request.membership.clinic, filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    show_content = has_capability(request.membership, Capability.VIEW_AUDIT_CONTENT)
    # The page shows which patients (MRNs) were touched: reading it is itself a read.
    record_audit_listed(
        clinic=request.membership.clinic, events=page, actor=request.user, request=request
    )
    rows = [(event, None if show_content else redact(event.changes)) for event in page]
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/list.html"
    if request.htmx and request.htmx.target == "audit-results":
        template += "#results"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": rows,
            "show_content": show_content,
            "query": query.urlencode(),
            "event_types": event_types_for_clinic(request.membership.clinic),
        },
    )
