"""Every permission decision of the platform, in one place.

A user acts within one clinic at a time (their current membership). Records of another clinic
do not exist for them: lookups answer 404, never 403, so ids cannot be probed. Within the
clinic, a role without the capability gets 403.
"""

from __future__ import annotations

import enum
from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.models import Membership, Role
from ketamine_care.core.errors import NotPermitted


class Capability(enum.StrEnum):
    VIEW_PATIENT = "view_patient"
    REGISTER_PATIENT = "register_patient"
    EDIT_DEMOGRAPHICS = "edit_demographics"
    EDIT_CLINICAL = "edit_clinical"
    MARK_ENTERED_IN_ERROR = "mark_entered_in_error"
    VIEW_AUDIT = "view_audit"
    # Measurement-based care: rating scales, outcomes, safety alerts, self-report links.
    VIEW_MEASURES = "view_measures"
    RECORD_ADMINISTRATION = "record_administration"
    ACKNOWLEDGE_ALERT = "acknowledge_alert"
    SEND_SELF_REPORT_LINK = "send_self_report_link"


CLINICIANS = {Role.PRESCRIBER, Role.MEDICAL_DIRECTOR, Role.NURSE}

# Rating scales are read and entered by the care team, therapists included (they follow
# outcome trends); alerts are acknowledged by clinicians. Front desk, clinic admins and
# researchers never see scores: they can reveal suicidality.
_MEASURES = frozenset(
    {
        Capability.VIEW_MEASURES,
        Capability.RECORD_ADMINISTRATION,
        Capability.SEND_SELF_REPORT_LINK,
    }
)
_CLINICIAN_MEASURES = _MEASURES | {Capability.ACKNOWLEDGE_ALERT}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.PRESCRIBER: frozenset(
        {
            Capability.VIEW_PATIENT,
            Capability.REGISTER_PATIENT,
            Capability.EDIT_DEMOGRAPHICS,
            Capability.EDIT_CLINICAL,
            Capability.MARK_ENTERED_IN_ERROR,
        }
    )
    | _CLINICIAN_MEASURES,
    Role.MEDICAL_DIRECTOR: frozenset(
        {
            Capability.VIEW_PATIENT,
            Capability.REGISTER_PATIENT,
            Capability.EDIT_DEMOGRAPHICS,
            Capability.EDIT_CLINICAL,
            Capability.MARK_ENTERED_IN_ERROR,
            Capability.VIEW_AUDIT,
        }
    )
    | _CLINICIAN_MEASURES,
    Role.NURSE: frozenset(
        {
            Capability.VIEW_PATIENT,
            Capability.REGISTER_PATIENT,
            Capability.EDIT_DEMOGRAPHICS,
            Capability.EDIT_CLINICAL,
        }
    )
    | _CLINICIAN_MEASURES,
    Role.THERAPIST: frozenset({Capability.VIEW_PATIENT}) | _MEASURES,
    Role.FRONT_DESK: frozenset(
        {Capability.VIEW_PATIENT, Capability.REGISTER_PATIENT, Capability.EDIT_DEMOGRAPHICS}
    ),
    Role.CLINIC_ADMIN: frozenset({Capability.VIEW_AUDIT}),
    # Researchers see de-identified cohort data only: no capability touches a patient record.
    Role.RESEARCHER: frozenset(),
}

# Roles that must use a second factor when REQUIRE_2FA is on.
TWO_FACTOR_ROLES = frozenset({Role.CLINIC_ADMIN, Role.MEDICAL_DIRECTOR, Role.PRESCRIBER})


def has_capability(membership: Membership | None, capability: Capability) -> bool:
    if membership is None or not membership.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(membership.role, frozenset())


def require(membership: Membership | None, capability: Capability) -> Membership:
    """Return the membership if it grants `capability`; otherwise raise NotPermitted (403)."""
    if membership is None:
        raise Http404
    if not has_capability(membership, capability):
        raise NotPermitted(
            f"Your role ({membership.get_role_display()}) does not allow this.",
        )
    return membership


def role_requires_two_factor(user) -> bool:
    return user.memberships.filter(is_active=True, role__in=TWO_FACTOR_ROLES).exists()


def access_patient(membership: Membership | None, public_id: UUID | str, capability=None):
    """Fetch a patient of the membership's clinic or raise Http404; check the capability."""
    from ketamine_care.patients.models import Patient

    require(membership, capability or Capability.VIEW_PATIENT)
    try:
        return Patient.objects.get(clinic_id=membership.clinic_id, public_id=public_id)
    except (Patient.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such patient") from exc


def access_patient_child(membership, model, patient, public_id, capability):
    """Fetch a row belonging to `patient` (diagnosis, medication, ...) or raise Http404."""
    require(membership, capability)
    try:
        return model.objects.get(patient=patient, public_id=public_id)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
