"""What the portal contributes to the patient chart (`patients`, below), registered in
`PortalConfig.ready()`: the patient's self-report links, outstanding, completed or expired.
The links themselves cannot be shown again (only a hash of each is stored)."""

from __future__ import annotations

from django.utils import timezone

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.portal.models import SelfReportLink

RECENT = 10


def links_section(request, patient) -> dict | None:
    """The chart's "Self-report links" section; None for roles that do not send links."""
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.SEND_SELF_REPORT_LINK):
        return None
    now = timezone.now()
    links = list(
        SelfReportLink.objects.filter(patient=patient, clinic=membership.clinic)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:RECENT]
    )
    rows = [{"link": link, "status": link.status_at(now)} for link in links]
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in STATUSES}
    return {"self_report_links": rows, "self_report_counts": counts}


STATUSES = ("outstanding", "completed", "expired", "revoked")
