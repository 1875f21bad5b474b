"""Where each role lands (`/`), and the two landing pages of roles that see no patients: the
clinic admin's administration summary and the researcher's cohort workspace.

The landing is chosen by capability, not by role name, so a role whose capabilities change
lands where its work is. Other apps' pages are named by URL name only (no import upward).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.models import Invitation, Membership, Role
from ketamine_care.accounts.permissions import (
    ROLE_CAPABILITIES,
    TWO_FACTOR_ROLES,
    Capability,
    has_capability,
)

# (capability, landing page), first match wins: clinicians work from the patient list, the
# front desk from today's arrivals, the clinic admin from the administration summary.
LANDINGS: tuple[tuple[Capability, str], ...] = (
    (Capability.VIEW_CLINICAL_HISTORY, "patients:list"),
    (Capability.VIEW_MEMBERS, "accounts:administration"),
    (Capability.VIEW_COHORTS, "research:workspace"),
    (Capability.CHECK_IN_SESSION, "treatment_sessions:check_in_list"),
    (Capability.VIEW_PATIENT, "patients:list"),
)

# What each role does here, in the clinic's words (the product brief's table).
ROLE_WORK = {
    Role.CLINIC_ADMIN: "Users and roles, the controlled-substance ledger, the audit trail and "
    "the clinic's crisis texts. No patient records.",
    Role.MEDICAL_DIRECTOR: "Activates protocols, co-signs screening overrides, reviews safety "
    "events; everything a prescriber does.",
    Role.PRESCRIBER: "Evaluates patients, decides eligibility, plans treatment and doses, "
    "signs sessions.",
    Role.NURSE: "Runs dosing sessions: checks, dose, vital signs, ratings and discharge.",
    Role.THERAPIST: "Psychotherapy and integration sessions; rating scales and outcome trends.",
    Role.FRONT_DESK: "Registers patients, schedules and checks them in. No clinical history.",
    Role.RESEARCHER: "De-identified cohort analytics only. No patient records.",
}


def landing_for(membership) -> str:
    """The URL name of the page `membership` lands on."""
    for capability, page in LANDINGS:
        if has_capability(membership, capability):
            return page
    return "research:workspace" if membership.role == Role.RESEARCHER else "patients:list"


def home(request):
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    if request.membership is None:
        raise Http404("You have no clinic membership.")
    return redirect(landing_for(request.membership))


@clinic_required(Capability.VIEW_MEMBERS)
def administration(request):
    """The clinic's users, their roles and last sign-in, and open invitations (no patient
    data). Each person's page changes their access."""
    clinic = request.membership.clinic
    members = list(
        Membership.objects.filter(clinic=clinic)
        .select_related("user")
        .order_by("-is_active", "role", "user__full_name", "user__email")
    )
    counts = {role: 0 for role in Role}
    for member in members:
        if member.is_active:
            counts[member.role] += 1
    roles = [
        {
            "label": role.label,
            "count": counts[role],
            "work": ROLE_WORK[role],
            "second_factor": role in TWO_FACTOR_ROLES,
            "sees_patients": Capability.VIEW_PATIENT in ROLE_CAPABILITIES[role],
        }
        for role in Role
    ]
    invitations = Invitation.objects.pending().filter(clinic=clinic).order_by("email")
    context = {
        "members": members,
        "roles": roles,
        "active_count": sum(counts.values()),
        "invitations": list(invitations),
        "now": timezone.now(),
    }
    return render(request, "accounts/administration.html", context)


@clinic_required(Capability.VIEW_COHORTS)
def cohorts(request):
    """The former address of the cohort workspace, kept for bookmarks: it now lives in the
    research app (named by URL only, no import upward)."""
    return redirect("research:workspace")
