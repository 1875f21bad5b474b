"""Writes of the therapy app: record a session and its note, change the draft, sign it,
amend it after signing, acknowledge a risk alert, set the caseload windows. Each validates
(naming the fields), writes in one transaction and audits there; nothing is saved half-way."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_date_of, clinic_today
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.therapy.models import (
    NOTE_FIELDS,
    CaseloadSettings,
    RiskAlertStatus,
    RiskCheck,
    SessionKind,
    TherapyAmendment,
    TherapyRiskAlert,
    TherapySession,
)
from ketamine_care.therapy.windows import WINDOW_FIELDS, defaults

CHECK_FIELDS = "Please correct the highlighted fields."


def _dosing_day(dosing_session) -> date:
    when = dosing_session.dose_started_at or dosing_session.scheduled_for
    return clinic_date_of(dosing_session.clinic, when)


def _course_of(dosing_session):
    """The treatment plan a planned dosing session belongs to (None for an ad-hoc one)."""
    if dosing_session is None or dosing_session.planned_visit_id is None:
        return None
    return dosing_session.planned_visit.plan


def _check_links(errors: dict, *, patient, kind: str, held_on, plan, dosing_session) -> None:
    if plan is not None and plan.patient_id != patient.pk:
        errors["plan"] = "Choose a treatment plan of this patient."
    if dosing_session is None:
        if kind == SessionKind.DOSING_SUPPORT:
            errors["dosing_session"] = "Choose the dosing session this support belongs to."
        return
    if dosing_session.patient_id != patient.pk or dosing_session.state == "cancelled":
        errors["dosing_session"] = "Choose a dosing session of this patient."
        return
    if kind == SessionKind.INTEGRATION and held_on and held_on < _dosing_day(dosing_session):
        errors["held_on"] = "An integration session comes on or after its dosing session."


def _check_note(*, patient, kind: str, held_on, plan, dosing_session, risk_check, risk_details):
    """Every problem at once, named by field (ValidationFailed)."""
    errors: dict[str, str] = {}
    if kind not in SessionKind.values:
        errors["kind"] = f"Choose one of: {', '.join(SessionKind.labels)}."
    if held_on is None:
        errors["held_on"] = "Give the date of the session."
    elif held_on > clinic_today(patient.clinic):
        errors["held_on"] = "Record a session on or after the day it was held, not before."
    _check_links(
        errors, patient=patient, kind=kind, held_on=held_on, plan=plan,
        dosing_session=dosing_session,
    )  # fmt: skip
    if risk_check not in ("", *RiskCheck.values):
        errors["risk_check"] = "Choose whether suicidal thoughts or behaviour were reported."
    if risk_check == RiskCheck.CONCERN and not (risk_details or "").strip():
        errors["risk_details"] = "Describe what was reported and what was done."
    if errors:
        raise ValidationFailed(CHECK_FIELDS, fields=errors)


def _raise_risk_alert(therapy_session: TherapySession, details: str) -> TherapyRiskAlert:
    return TherapyRiskAlert.objects.create(
        clinic_id=therapy_session.clinic_id,
        patient=therapy_session.patient,
        therapy_session=therapy_session,
        details=details,
    )


def _audit_alert(alert: TherapyRiskAlert, actor, request) -> None:
    record(
        event_type="therapy_risk_alert.raised",
        actor=actor,
        patient=alert.patient,
        obj=alert,
        changes={"therapy_session": str(alert.therapy_session.public_id)},
        request=request,
    )


def _note_values(therapy_session: TherapySession) -> dict:
    values = {name: getattr(therapy_session, name) for name in NOTE_FIELDS}
    values.update(
        kind=therapy_session.kind,
        held_on=str(therapy_session.held_on),
        risk_check=therapy_session.risk_check,
        risk_details=therapy_session.risk_details,
        plan=str(therapy_session.plan.public_id) if therapy_session.plan else "",
        dosing_session=(
            str(therapy_session.dosing_session.public_id) if therapy_session.dosing_session else ""
        ),
    )
    return values


def record_therapy_session(
    *,
    patient,
    actor,
    kind: str,
    held_on: date | None,
    plan=None,
    dosing_session=None,
    intentions: str = "",
    experience: str = "",
    integration_themes: str = "",
    homework: str = "",
    risk_check: str = "",
    risk_details: str = "",
    request=None,
) -> TherapySession:
    """Record a session and its note as a draft of `actor` (the therapist). A risk check that
    reports suicidal thoughts or behaviour raises a risk alert at once, not at signing."""
    if not patient.is_active:
        raise Conflict("This patient's record is marked entered in error.")
    plan = plan or _course_of(dosing_session)
    _check_note(
        patient=patient, kind=kind, held_on=held_on, plan=plan, dosing_session=dosing_session,
        risk_check=risk_check, risk_details=risk_details,
    )  # fmt: skip
    note = {
        "intentions": intentions.strip(),
        "experience": experience.strip(),
        "integration_themes": integration_themes.strip(),
        "homework": homework.strip(),
    }
    with transaction.atomic():
        therapy_session = TherapySession.objects.create(
            clinic=patient.clinic, patient=patient, plan=plan, dosing_session=dosing_session,
            kind=kind, held_on=held_on, therapist=actor, risk_check=risk_check,
            risk_details=risk_details.strip(), **note,
        )  # fmt: skip
        alert = None
        if risk_check == RiskCheck.CONCERN:
            alert = _raise_risk_alert(therapy_session, therapy_session.risk_details)
        record(
            event_type="therapy_session.recorded",
            actor=actor,
            patient=patient,
            obj=therapy_session,
            changes={"new": _note_values(therapy_session)},
            request=request,
        )
        if alert is not None:
            _audit_alert(alert, actor, request)
    return therapy_session


def _locked(therapy_session: TherapySession) -> TherapySession:
    locked = (
        TherapySession.objects.select_for_update(of=("self",), no_key=True)
        .select_related("patient", "plan", "dosing_session")
        .get(pk=therapy_session.pk)
    )
    locked.patient.clinic = therapy_session.patient.clinic
    return locked


def _require_author(therapy_session: TherapySession, actor) -> None:
    if therapy_session.therapist_id != actor.pk:
        raise Conflict("Only the therapist who recorded this session changes or signs its note.")


def update_therapy_note(
    *,
    therapy_session: TherapySession,
    actor,
    held_on: date | None,
    plan=None,
    dosing_session=None,
    intentions: str = "",
    experience: str = "",
    integration_themes: str = "",
    homework: str = "",
    risk_check: str = "",
    risk_details: str = "",
    request=None,
) -> TherapySession:
    """Change a draft note (its author only). A signed note is amended instead."""
    patient = therapy_session.patient
    _check_note(
        patient=patient, kind=therapy_session.kind, held_on=held_on, plan=plan,
        dosing_session=dosing_session, risk_check=risk_check, risk_details=risk_details,
    )  # fmt: skip
    with transaction.atomic():
        therapy_session = _locked(therapy_session)
        _require_author(therapy_session, actor)
        if therapy_session.is_signed:
            raise StateError("This note is signed: add an amendment instead.")
        before = _note_values(therapy_session)
        therapy_session.held_on, therapy_session.plan = held_on, plan
        therapy_session.dosing_session = dosing_session
        therapy_session.intentions, therapy_session.experience = (
            intentions.strip(),
            experience.strip(),
        )
        therapy_session.integration_themes = integration_themes.strip()
        therapy_session.homework = homework.strip()
        therapy_session.risk_check, therapy_session.risk_details = risk_check, risk_details.strip()
        therapy_session.save()
        alert = None
        if risk_check == RiskCheck.CONCERN and not therapy_session.risk_alerts.exists():
            alert = _raise_risk_alert(therapy_session, therapy_session.risk_details)
        after = _note_values(therapy_session)
        changed = {k: after[k] for k in after if after[k] != before[k]}
        record(
            event_type="therapy_session.updated", actor=actor, patient=patient,
            obj=therapy_session, changes={"new": changed}, request=request,
        )  # fmt: skip
        if alert is not None:
            _audit_alert(alert, actor, request)
    return therapy_session


def sign_therapy_note(*, therapy_session: TherapySession, actor, request=None) -> TherapySession:
    """The therapist who recorded the session signs its note; a note without a risk check is
    never signed (fail safe: an unasked question is not a negative answer)."""
    with transaction.atomic():
        therapy_session = _locked(therapy_session)
        _require_author(therapy_session, actor)
        if therapy_session.is_signed:
            raise StateError("This note is already signed.")
        if not therapy_session.risk_check:
            raise ValidationFailed(
                "Record the risk check before signing.",
                fields={"risk_check": "Record the risk check before signing."},
            )
        therapy_session.signed_at = timezone.now()
        therapy_session.signed_by = actor
        therapy_session.save(update_fields=["signed_at", "signed_by", "updated_at"])
        record(
            event_type="therapy_session.signed",
            actor=actor,
            patient=therapy_session.patient,
            obj=therapy_session,
            changes={"note": _note_values(therapy_session)},
            request=request,
        )
    return therapy_session


def amend_therapy_note(
    *,
    therapy_session: TherapySession,
    actor,
    reason: str,
    text: str,
    reports_risk: bool = False,
    request=None,
) -> TherapyAmendment:
    """Append an amendment to a signed note; the signed note stays as it was. An amendment
    that reports suicidal thoughts or behaviour raises a risk alert like the note's check."""
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "Give a reason."
    if not (text or "").strip():
        errors["text"] = "Write the amendment."
    if errors:
        raise ValidationFailed(CHECK_FIELDS, fields=errors)
    with transaction.atomic():
        therapy_session = _locked(therapy_session)
        if not therapy_session.is_signed:
            raise Conflict("Change a draft note directly; amendments follow signing.")
        amendment = TherapyAmendment.objects.create(
            therapy_session=therapy_session,
            text=text.strip(),
            reason=reason.strip(),
            created_by=actor,
        )
        alert = _raise_risk_alert(therapy_session, amendment.text) if reports_risk else None
        record(
            event_type="therapy_session.amended",
            actor=actor,
            patient=therapy_session.patient,
            obj=amendment,
            changes={"reason": amendment.reason, "text": amendment.text, "risk": reports_risk},
            request=request,
        )
        if alert is not None:
            _audit_alert(alert, actor, request)
    return amendment


def acknowledge_risk_alert(*, alert: TherapyRiskAlert, actor, note: str, request=None):
    """A clinician acknowledges an open risk alert with a note saying what was done."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "A note is required.", fields={"note": "Say what was done about this alert."}
        )
    with transaction.atomic():
        locked = TherapyRiskAlert.objects.select_for_update(of=("self",), no_key=True).get(
            pk=alert.pk
        )
        if locked.status != RiskAlertStatus.OPEN:
            raise StateError("This alert is already acknowledged.")
        locked.status = RiskAlertStatus.ACKNOWLEDGED
        locked.acknowledged_by, locked.acknowledged_at = actor, timezone.now()
        locked.acknowledgement_note = note
        locked.save()
        record(
            event_type="therapy_risk_alert.acknowledged",
            actor=actor,
            patient=alert.patient,
            obj=locked,
            changes={"new": {"status": locked.status, "note": note}},
            request=request,
        )
    return locked


def update_caseload_settings(
    *, clinic, actor, upcoming_days: int | None, integration_days: int | None, request=None
) -> CaseloadSettings:
    """Set the clinic's caseload windows, each within the range defaults.json allows."""
    values = {"upcoming_days": upcoming_days, "integration_days": integration_days}
    errors = {}
    for name in WINDOW_FIELDS:
        spec, value = defaults()[name], values[name]
        if value is None or not spec["min"] <= value <= spec["max"]:
            errors[name] = f"Give a whole number of days from {spec['min']} to {spec['max']}."
    if errors:
        raise ValidationFailed(CHECK_FIELDS, fields=errors)
    with transaction.atomic():
        row = (
            CaseloadSettings.objects.select_for_update(of=("self",), no_key=True)
            .filter(clinic=clinic)
            .first()
        )
        if row is None:
            row = CaseloadSettings.objects.create(clinic=clinic, updated_by=actor, **values)
        else:
            row.upcoming_days, row.integration_days = upcoming_days, integration_days
            row.updated_by = actor
            row.save()
        record(
            event_type="caseload_settings.updated",
            actor=actor,
            clinic=clinic,
            obj=row,
            changes={"new": values},
            request=request,
        )
    return row
