"""`{% alert_banner patient %}`: the banner at the top of a patient's pages while any alert of
that patient is open, from every feed registered in `core.alert_feed`."""

from __future__ import annotations

from django import template

from ketamine_care.core.alert_feed import open_groups

register = template.Library()


@register.inclusion_tag("_alert_banner.html", takes_context=True)
def alert_banner(context, patient, oob: bool = False):
    """`oob=True` marks it for an HTMX out-of-band swap, so a partial answer can refresh it."""
    membership = getattr(context.get("request"), "membership", None)
    groups = open_groups(membership, patient=patient) if membership and patient else []
    return {"groups": groups, "patient": patient, "oob": oob}
