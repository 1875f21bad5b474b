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


def measures_section(request, patient) -> dict | None:
    """The chart's "Scheduled measures" section: the patient's requests and their states,
    why a due one was held, and the patient's contact preferences."""
    from ketamine_care.portal.contact import HELD_WORDS
    from ketamine_care.portal.models import ContactPreference
    from ketamine_care.portal.queries import for_patient

    membership = getattr(request, "membership", None)
    sends = has_capability(membership, Capability.SEND_SELF_REPORT_LINK)
    if not sends and not has_capability(membership, Capability.EDIT_DEMOGRAPHICS):
        return None
    now = timezone.now()
    rows = [
        {"request": row, "state": row.state_at(now), "held": HELD_WORDS.get(row.held, "")}
        for row in (for_patient(patient, membership.clinic) if sends else [])
    ]
    return {
        "can_see_measures": sends,
        "measure_requests": rows,
        "contact_preference": ContactPreference.objects.filter(patient=patient).first(),
        "can_edit_contact": has_capability(membership, Capability.EDIT_DEMOGRAPHICS),
    }


def measure_settings_section(request, clinic) -> dict | None:
    """The clinic settings page's "Scheduled measures" form (quiet hours and the rest)."""
    from ketamine_care.portal.contact import settings_for
    from ketamine_care.portal.forms_measures import MeasureSettingsForm

    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.MANAGE_SAFETY_SETTINGS):
        return None
    current = settings_for(clinic)
    form = MeasureSettingsForm(
        initial={
            "quiet_start": current.quiet_start,
            "quiet_end": current.quiet_end,
            "instruments": list(current.instruments),
            "show_scores_to_patient": current.show_scores_to_patient,
        }
    )
    return {"measure_settings_form": form, "measure_settings": current}
