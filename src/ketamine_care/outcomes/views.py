"""The clinic's safety alert list and acknowledgement. Thin: authorize, query or call, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core import alert_feed
from ketamine_care.core.errors import DomainError
from ketamine_care.instruments.definition import load_definition
from ketamine_care.outcomes import services
from ketamine_care.outcomes.access import access_alert
from ketamine_care.outcomes.acknowledge import AcknowledgePage, acknowledge_page
from ketamine_care.outcomes.alert_feed import SUICIDALITY
from ketamine_care.outcomes.forms import SafetySettingsForm, add_suicide_item_fields
from ketamine_care.outcomes.queries import (
    patients_with_safety_plans,
    record_alerts_listed,
)
from ketamine_care.outcomes.safety import load_safety_rules
from ketamine_care.outcomes.services import (
    CADSS_DISCHARGE_RULE,
    SUICIDE_ITEM_RULES,
    safety_settings_for,
    suicide_item_range,
)

ACKNOWLEDGE = AcknowledgePage(
    template="outcomes/acknowledge.html",
    chart_part="safety_alert",
    record=services.acknowledge_alert,
    done_url=lambda alert: reverse("patients:chart", args=[alert.patient.public_id]),
)
PAGE_SIZE = 50
MAX_PAGE = 100  # history pages merge the feeds: their cost grows with the page number


@clinic_required(Capability.VIEW_MEASURES)
def alert_list(request):
    """Every open alert of the clinic, from every feed (questionnaires, vital signs, serious
    adverse events): grouped by patient and rule, the most urgent and oldest first. The
    acknowledged and all tabs list single alerts, newest first, a page at a time."""
    status = request.GET.get("status", "open")
    if status not in ("open", "acknowledged", "all"):
        status = "open"
    membership = request.membership
    if status == "open":
        rows = alert_feed.open_groups(membership)
        shown, pages = [item for row in rows for item in row.items], None
    else:
        number = _page_number(request.GET.get("page"))
        found = alert_feed.gather(membership, status=status, limit=number * PAGE_SIZE + 1)
        rows = found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        shown = rows
        pages = {"number": number, "has_next": len(found) > number * PAGE_SIZE}
    # Open suicidality alerts of patients with no safety plan prompt for one (one query).
    planned = patients_with_safety_plans(item.patient.pk for item in shown)
    entries = [
        {
            "alert": row,
            "needs_plan": row.is_open and SUICIDALITY in row.tags and row.patient.pk not in planned,
        }
        for row in rows
    ]
    record_alerts_listed(
        clinic=membership.clinic, alerts=shown, status=status, actor=request.user, request=request
    )
    context = {
        "entries": entries,
        "pages": pages,
        "status": status,
        "truncated": pages is None and len(shown) >= alert_feed.OPEN_LIMIT,
    }
    return render(request, "outcomes/alerts.html", context)


def _page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


@clinic_required(Capability.ACKNOWLEDGE_ALERT)
@require_http_methods(["GET", "POST"])
def acknowledge(request, alert_id):
    alert = access_alert(request.membership, alert_id, Capability.ACKNOWLEDGE_ALERT)
    return acknowledge_page(request, alert, ACKNOWLEDGE)


@clinic_required(Capability.MANAGE_SAFETY_SETTINGS)
@require_http_methods(["GET", "POST"])
def safety_settings(request):
    clinic = request.membership.clinic
    current = safety_settings_for(clinic)
    initial = {
        "crisis_resources_text": current.crisis_resources_text,
        "crisis_protocol_text": current.crisis_protocol_text,
        "cadss_discharge_threshold": current.rule_values.get(CADSS_DISCHARGE_RULE),
    }
    initial.update({rule_id: current.rule_values.get(rule_id) for rule_id in SUICIDE_ITEM_RULES})
    form = SafetySettingsForm(request.POST or None, initial=initial)
    add_suicide_item_fields(form, _suicide_item_rules())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        threshold = data["cadss_discharge_threshold"]
        try:
            services.update_safety_settings(
                clinic=clinic,
                actor=request.user,
                crisis_resources_text=data["crisis_resources_text"],
                crisis_protocol_text=data["crisis_protocol_text"],
                cadss_discharge_threshold=None if threshold is None else float(threshold),
                suicide_item_thresholds={r: data[r] for r in SUICIDE_ITEM_RULES},
                request=request,
            )
        except DomainError as error:
            for field, message in error.fields.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Safety settings saved.")
            return redirect("outcomes:settings")
    context = {
        "form": form,
        "current": current,
        "suicide_fields": [form[rule_id] for rule_id in SUICIDE_ITEM_RULES],
        "suicide_sources": [r.source for r in _rules_by_id(SUICIDE_ITEM_RULES)],
    }
    return render(request, "outcomes/settings.html", context, status=422 if form.errors else 200)


def _rules_by_id(ids):
    rules = {r.id: r for r in load_safety_rules().rules}
    return [rules[i] for i in ids]


def _suicide_item_rules():
    """(rule id, default cut-off, item min, item max, item name, instrument name) per rule."""
    out = []
    for rule in _rules_by_id(SUICIDE_ITEM_RULES):
        low, high, name = suicide_item_range(rule.id)
        default = int(rule.condition.value)
        out.append((rule.id, default, low, high, name, load_definition(rule.instrument).name))
    return out
