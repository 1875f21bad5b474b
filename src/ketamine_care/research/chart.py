"""What the research app adds to the patient chart (`patients`, below), registered in
`ResearchConfig.ready()`: the patient's research consent, its history and a form."""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.research.forms import ResearchConsentForm

HISTORY_SHOWN = 10


def consent_section(request, patient) -> dict | None:
    """The chart's "Research consent" panel; None for roles that do not record consent
    (minimum necessary: front desk, therapists and admins do not need it)."""
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.RECORD_RESEARCH_CONSENT):
        return None
    history = list(
        patient.research_consents.select_related("recorded_by").order_by("-recorded_at", "-id")[
            : HISTORY_SHOWN + 1
        ]
    )
    current = history[0] if history else None
    form = None
    if patient.is_active:
        initial = {"recorded_on": clinic_today(patient.clinic)}
        if current is not None:
            initial["consent_text_version"] = current.consent_text_version
        form = ResearchConsentForm(initial=initial, clinic=patient.clinic)
    return {
        "research_consent": current,
        "research_consent_history": history[:HISTORY_SHOWN],
        "research_consent_more": len(history) > HISTORY_SHOWN,
        "research_consent_form": form,
    }
