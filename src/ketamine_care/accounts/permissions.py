"""Capabilities, the role table and `require`: who may do what within their clinic.

A user acts within one clinic at a time (their current membership). Records of another clinic
do not exist for them: lookups answer 404, never 403, so ids cannot be probed. Within the
clinic, a role without the capability gets 403.
"""

from __future__ import annotations

import enum
import functools
import operator

from django.db.models import Exists
from django.http import Http404

from ketamine_care.accounts.models import Membership, Role, User
from ketamine_care.core.errors import NotPermitted, ValidationFailed


class Capability(enum.StrEnum):
    VIEW_PATIENT = "view_patient"
    # Diagnoses, medications, allergies and body measurements: the clinical history. Front
    # desk see demographics and scheduling only (minimum necessary, issue 9).
    VIEW_CLINICAL_HISTORY = "view_clinical_history"
    REGISTER_PATIENT = "register_patient"
    EDIT_DEMOGRAPHICS = "edit_demographics"
    EDIT_CLINICAL = "edit_clinical"
    MARK_ENTERED_IN_ERROR = "mark_entered_in_error"
    VIEW_AUDIT = "view_audit"
    # The clinical content of audit events (scores, flags, notes, doses in `changes`). Without
    # it the audit page shows who did what and when, and which fields changed, not the values.
    VIEW_AUDIT_CONTENT = "view_audit_content"
    # The FHIR AuditEvent resource (the audit chain for an outside system): clinic admins only.
    READ_AUDIT_EVENTS = "read_audit_events"
    # Measurement-based care: rating scales, outcomes, safety alerts, self-report links.
    VIEW_MEASURES = "view_measures"
    RECORD_ADMINISTRATION = "record_administration"
    ACKNOWLEDGE_ALERT = "acknowledge_alert"
    SEND_SELF_REPORT_LINK = "send_self_report_link"
    MANAGE_SAFETY_SETTINGS = "manage_safety_settings"
    # Protocols, eligibility screening, dosing and course planning.
    VIEW_TREATMENT = "view_treatment"
    MANAGE_PROTOCOLS = "manage_protocols"
    SCREEN_PATIENT = "screen_patient"
    OVERRIDE_SCREENING = "override_screening"
    COSIGN_SCREENING = "cosign_screening"
    CALCULATE_DOSE = "calculate_dose"
    PLAN_TREATMENT = "plan_treatment"
    # Controlled-substance ledger (the clinic's own ketamine / esketamine stock).
    VIEW_INVENTORY = "view_inventory"
    DRAW_STOCK = "draw_stock"
    MANAGE_INVENTORY = "manage_inventory"
    # Treatment sessions: the monitored dosing session, its vitals, alerts, note and REMS form.
    VIEW_SESSIONS = "view_sessions"
    SCHEDULE_SESSION = "schedule_session"
    CHECK_IN_SESSION = "check_in_session"
    RUN_SESSION = "run_session"
    OVERRIDE_PRE_CHECK = "override_pre_check"
    SIGN_SESSION = "sign_session"
    AMEND_SESSION = "amend_session"
    MANAGE_REMS = "manage_rems"
    # Landing pages without patient data: the clinic's users and roles (read-only until user
    # management is built) and the de-identified cohort workspace (an explanation until the
    # registry is built).
    VIEW_MEMBERS = "view_members"
    # Inviting staff, changing roles, ending access and the clinic's own settings.
    MANAGE_MEMBERS = "manage_members"
    VIEW_COHORTS = "view_cohorts"
    # Failed background jobs (no patient data): see them and retry them.
    MANAGE_JOBS = "manage_jobs"
    # Long-term surveillance of patients on repeated dosing: bladder reviews, liver tests,
    # cognitive screens, misuse signals, urine drug screens and cumulative exposure.
    VIEW_SURVEILLANCE = "view_surveillance"
    RECORD_SURVEILLANCE = "record_surveillance"
    # Psychotherapy and integration (KAP): therapy sessions and their signed notes, the
    # therapists' caseload (dosing dates only, never doses or vitals), and the caseload's
    # clinic-set windows.
    VIEW_THERAPY = "view_therapy"
    RECORD_THERAPY = "record_therapy"
    MANAGE_THERAPY_SETTINGS = "manage_therapy_settings"
    # Research (issue 16): projects, patients' research consent and de-identified exports.
    MANAGE_RESEARCH = "manage_research"
    RECORD_RESEARCH_CONSENT = "record_research_consent"
    EXPORT_RESEARCH = "export_research"
    # The clinic outcomes dashboard (aggregates over the clinic's courses, small cells
    # suppressed): VIEW_REGISTRY_COUNTS opens it (counts only); VIEW_REGISTRY adds the
    # rates, curves, safety and doses.
    VIEW_REGISTRY = "view_registry"
    VIEW_REGISTRY_COUNTS = "view_registry_counts"


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

# Treatment: nurses read protocols, verdicts and plans and use the dose calculator (they
# prepare infusions), but eligibility decisions, overrides and plans are the prescriber's
# (product brief: the prescriber "decides eligibility"); only the medical director activates
# protocols and co-signs overrides.
_NURSE_TREATMENT = frozenset({Capability.VIEW_TREATMENT, Capability.CALCULATE_DOSE})
_PRESCRIBER_TREATMENT = _NURSE_TREATMENT | {
    Capability.SCREEN_PATIENT,
    Capability.OVERRIDE_SCREENING,
    Capability.PLAN_TREATMENT,
}
_DIRECTOR_TREATMENT = _PRESCRIBER_TREATMENT | {
    Capability.MANAGE_PROTOCOLS,
    Capability.COSIGN_SCREENING,
}

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
    | _CLINICIAN_MEASURES
    | _PRESCRIBER_TREATMENT,
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
    | _CLINICIAN_MEASURES
    | _DIRECTOR_TREATMENT,
    Role.NURSE: frozenset(
        {
            Capability.VIEW_PATIENT,
            Capability.REGISTER_PATIENT,
            Capability.EDIT_DEMOGRAPHICS,
            Capability.EDIT_CLINICAL,
        }
    )
    | _CLINICIAN_MEASURES
    | _NURSE_TREATMENT,
    Role.THERAPIST: frozenset({Capability.VIEW_PATIENT}) | _MEASURES,
    Role.FRONT_DESK: frozenset(
        {Capability.VIEW_PATIENT, Capability.REGISTER_PATIENT, Capability.EDIT_DEMOGRAPHICS}
    ),
    Role.CLINIC_ADMIN: frozenset({Capability.VIEW_AUDIT, Capability.READ_AUDIT_EVENTS}),
    # Researchers see de-identified cohort data only: no capability touches a patient record.
    Role.RESEARCHER: frozenset(),
}

# Controlled-substance ledger: clinicians who give doses draw and waste stock; the clinic
# admin and the medical director receive, transfer, adjust, count and resolve discrepancies.
# Therapists, front desk and researchers have no access to the ledger.
_INVENTORY_CAPABILITIES = {
    Role.CLINIC_ADMIN: {Capability.VIEW_INVENTORY, Capability.MANAGE_INVENTORY},
    Role.MEDICAL_DIRECTOR: {
        Capability.VIEW_INVENTORY,
        Capability.MANAGE_INVENTORY,
        Capability.DRAW_STOCK,
    },
    Role.PRESCRIBER: {Capability.VIEW_INVENTORY, Capability.DRAW_STOCK},
    Role.NURSE: {Capability.VIEW_INVENTORY, Capability.DRAW_STOCK},
}
for _role, _capabilities in _INVENTORY_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _capabilities

# The clinic's crisis texts and clinic-set safety thresholds: the medical director owns the
# clinical content; the clinic admin may keep the crisis phone numbers and texts current.
for _role in (Role.MEDICAL_DIRECTOR, Role.CLINIC_ADMIN):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.MANAGE_SAFETY_SETTINGS}

# Treatment sessions: nurses run the session (checks, dose, vitals, alerts, adverse events,
# REMS form); prescribers also override missing pre-session checks and sign; the medical
# director does everything and is notified of serious adverse events. Front desk schedules
# and checks patients in but sees no vitals. Therapists, admins and researchers: nothing.
_NURSE_SESSIONS = {
    Capability.VIEW_SESSIONS,
    Capability.SCHEDULE_SESSION,
    Capability.CHECK_IN_SESSION,
    Capability.RUN_SESSION,
    Capability.AMEND_SESSION,
    Capability.MANAGE_REMS,
}
_SESSION_CAPABILITIES = {
    Role.FRONT_DESK: {Capability.SCHEDULE_SESSION, Capability.CHECK_IN_SESSION},
    Role.NURSE: _NURSE_SESSIONS,
    Role.PRESCRIBER: _NURSE_SESSIONS | {Capability.OVERRIDE_PRE_CHECK, Capability.SIGN_SESSION},
    Role.MEDICAL_DIRECTOR: _NURSE_SESSIONS
    | {Capability.OVERRIDE_PRE_CHECK, Capability.SIGN_SESSION},
}
for _role, _capabilities in _SESSION_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _capabilities

# The clinical history (diagnoses, medications, allergies, measurements) belongs to the care
# team, therapists included; front desk register and schedule without it.
for _role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR, Role.NURSE, Role.THERAPIST):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.VIEW_CLINICAL_HISTORY}
# Only the medical director reads the clinical content of audit events; the clinic admin sees
# who did what and when.
ROLE_CAPABILITIES[Role.MEDICAL_DIRECTOR] = ROLE_CAPABILITIES[Role.MEDICAL_DIRECTOR] | {
    Capability.VIEW_AUDIT_CONTENT
}

ROLE_CAPABILITIES[Role.CLINIC_ADMIN] = ROLE_CAPABILITIES[Role.CLINIC_ADMIN] | {
    Capability.VIEW_MEMBERS,
    Capability.MANAGE_MEMBERS,
}
ROLE_CAPABILITIES[Role.RESEARCHER] = ROLE_CAPABILITIES[Role.RESEARCHER] | {Capability.VIEW_COHORTS}
ROLE_CAPABILITIES[Role.CLINIC_ADMIN] = ROLE_CAPABILITIES[Role.CLINIC_ADMIN] | {
    Capability.MANAGE_JOBS
}
# Long-term surveillance (bladder, liver, cognition, misuse, exposure in mg) is clinical care:
# the care team that doses reads and records it; therapists see no dosing details.
for _role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR, Role.NURSE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {
        Capability.VIEW_SURVEILLANCE,
        Capability.RECORD_SURVEILLANCE,
    }

# Psychotherapy and integration: therapists record and sign the notes and keep the caseload;
# prescribers and the medical director read them (the risk check and integration themes
# inform the next dose decision); nurses, front desk, admins and researchers: nothing. The
# medical director and the clinic admin set the caseload's windows (no patient data).
ROLE_CAPABILITIES[Role.THERAPIST] = ROLE_CAPABILITIES[Role.THERAPIST] | {
    Capability.VIEW_THERAPY,
    Capability.RECORD_THERAPY,
}
for _role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.VIEW_THERAPY}
for _role in (Role.MEDICAL_DIRECTOR, Role.CLINIC_ADMIN):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.MANAGE_THERAPY_SETTINGS}

# Research: the medical director creates projects; the clinicians who see the patient record
# their research consent; the researcher and the medical director see the de-identified
# workspace and export from it. Nobody else sees research data.
ROLE_CAPABILITIES[Role.MEDICAL_DIRECTOR] = ROLE_CAPABILITIES[Role.MEDICAL_DIRECTOR] | {
    Capability.MANAGE_RESEARCH
}
for _role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR, Role.NURSE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.RECORD_RESEARCH_CONSENT}
for _role in (Role.RESEARCHER, Role.MEDICAL_DIRECTOR):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.EXPORT_RESEARCH}
# The clinic outcomes dashboard: the prescribers and the medical director read the clinic's
# outcomes; the clinic admin opens it too but sees how many courses, patients and measures
# there are (counts only: no rates, curves or doses).
for _role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR, Role.CLINIC_ADMIN):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.VIEW_REGISTRY_COUNTS}
for _role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.VIEW_REGISTRY}

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


def actor_may(actor, clinic_id: int, capability: Capability) -> bool:
    """Whether `actor`'s active membership of the clinic holds `capability`: a service's own
    check, where no request membership is at hand."""
    membership = Membership.objects.filter(
        user_id=getattr(actor, "pk", None), clinic_id=clinic_id, is_active=True
    ).first()
    return has_capability(membership, capability)


def second_clinician_problem(*, clinic, performer, other) -> str | None:
    """Why `other` may not be the second clinician (dose checker, waste witness) of a
    controlled-substance act by `performer` in `clinic`, or None when they may.

    Only someone else holding an active clinical role (nurse, prescriber, medical director) in
    the same clinic counts: a front-desk, admin, therapist or research colleague, a user of
    another clinic or the performer themself cannot vouch for a dose or a waste."""
    if other is None:
        return "A second clinician is required."
    if performer is not None and other.pk == performer.pk:
        return "It must be someone other than who performs it."
    membership = Membership.objects.filter(
        user=other, clinic=clinic, is_active=True, user__is_active=True
    ).first()
    if membership is None:
        return "They must be an active clinician of this clinic."
    if membership.role not in CLINICIANS:
        return (
            f"A {membership.get_role_display().lower()} cannot do this: it needs a nurse, "
            "prescriber or medical director of this clinic."
        )
    return None


def dose_checker_by_email(clinic, email: str):
    """The user of `clinic` with this e-mail, for a second clinician named by address.

    Looked up among the clinic's members only: an unknown address and another clinic's user
    get the same error, so no answer tells whether an address belongs to someone elsewhere
    (minimum necessary, issue 9). None when no address was given (the service then says a
    second clinician is required); a member who may not check is refused by
    `second_clinician_problem`."""
    email = (email or "").strip()
    if not email:
        return None
    user = User.objects.filter(email__iexact=email, memberships__clinic=clinic).first()
    if user is None:
        raise ValidationFailed(
            "Check the fields marked.",
            fields={"checked_by_email": "No one in this clinic has this e-mail address."},
        )
    return user


def role_requires_two_factor(user) -> bool:
    return user.memberships.filter(is_active=True, role__in=TWO_FACTOR_ROLES).exists()


def has_second_factor(user) -> bool:
    """Whether the user has enrolled (and confirmed) an authenticator: a confirmed device of
    any of django-otp's device types, as `django_otp.user_has_device` answers, asked in one
    query (an EXISTS per device type) where that reads each type's devices in turn. The
    middleware asks it on every request of a user who has not entered a code."""
    from django_otp import device_classes

    if user.is_anonymous:
        return False
    enrolled = [
        Exists(model.objects.devices_for_user(user, confirmed=True)) for model in device_classes()
    ]
    if not enrolled:
        return False
    return User.objects.filter(functools.reduce(operator.or_, enrolled), pk=user.pk).exists()


def second_factor_required(user) -> bool:
    """Whether signing in (a session or an API token) needs a one-time code from `user`.

    Whoever enrolled an authenticator always uses it, whatever their role and REQUIRE_2FA:
    otherwise a stolen password alone would open a token for an account that looks protected.
    REQUIRE_2FA adds the roles that must enrol."""
    from django.conf import settings

    if has_second_factor(user):
        return True
    return bool(settings.REQUIRE_2FA) and role_requires_two_factor(user)
