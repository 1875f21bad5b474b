"""Self-report links: create one for a patient, and record what the patient submits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import DomainError, StateError, ValidationFailed
from ketamine_care.instruments.definition import UnknownInstrument, load_definition
from ketamine_care.instruments.models import Administration, Source, TimePoint
from ketamine_care.instruments.services import check_and_score, record_administration
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.outcomes.services import SUICIDALITY_FLAG
from ketamine_care.portal.models import SelfReportLink
from ketamine_care.portal.tokens import hash_from_url, new_token

DEFAULT_EXPIRY_HOURS = 72
MAX_EXPIRY_HOURS = 14 * 24


def _check_codes(codes: list[str]) -> list[str]:
    errors = []
    for code in codes:
        try:
            if not load_definition(code).self_report:
                errors.append(f"{code} is not a self-report instrument.")
        except UnknownInstrument:
            errors.append(f"Unknown instrument {code!r}.")
    if not codes:
        errors.append("Choose at least one questionnaire.")
    if errors:
        raise ValidationFailed("Choose self-report questionnaires.", fields={
            "instruments": " ".join(errors)})  # fmt: skip
    return list(dict.fromkeys(codes))


def create_link(
    *, patient, actor, instrument_codes: list[str], expires_in_hours: int = 72, request=None
) -> tuple[SelfReportLink, str]:
    """Create a single-use link; returns the row and the URL token (shown once, never stored)."""
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error.")
    codes = _check_codes(instrument_codes)
    if not 1 <= expires_in_hours <= MAX_EXPIRY_HOURS:
        raise ValidationFailed(
            "Expiry out of range.",
            fields={"expires_in_hours": f"Give 1 to {MAX_EXPIRY_HOURS} hours."},
        )
    token, digest = new_token()
    with transaction.atomic():
        link = SelfReportLink.objects.create(
            clinic=patient.clinic,
            patient=patient,
            token_sha256=digest,
            instrument_codes=codes,
            created_by=actor,
            expires_at=timezone.now() + timedelta(hours=expires_in_hours),
        )
        record(
            event_type="self_report_link.created",
            actor=actor,
            patient=patient,
            obj=link,
            changes={"new": {"instruments": codes, "expires_at": link.expires_at}},
            request=request,
        )
    return link, token


def usable_link(token: str) -> SelfReportLink | None:
    """The link for a URL token if it is genuine, unused, unrevoked and unexpired; else None.

    Forged, expired and used links are indistinguishable to the caller on purpose."""
    digest = hash_from_url(token or "")
    if digest is None:
        return None
    link = (
        SelfReportLink.objects.select_related("patient", "clinic")
        .filter(Q(token_sha256=digest) | Q(reminder_token_sha256=digest))
        .first()
    )
    if link is None or not link.is_usable_at(timezone.now()) or not link.patient.is_active:
        return None
    return link


@dataclass(frozen=True)
class Submission:
    administrations: list[Administration]
    alerts: list[SafetyAlert]

    @property
    def show_crisis_screen(self) -> bool:
        """Any alert asking for the patient crisis screen, or the suicidality flag on any
        answer. Other flags (a positive AUDIT-C screen) are for the care team, not a crisis."""
        return any(a.patient_crisis_screen for a in self.alerts) or any(
            SUICIDALITY_FLAG in (adm.flags or []) for adm in self.administrations
        )

    @property
    def clinic_alerted(self) -> bool:
        """Whether an alert for the clinic's alert feed was stored: only then may the crisis
        screen tell the patient that the clinic was told."""
        return bool(self.alerts)


class LinkNotUsable(DomainError):
    status_code = 404
    code = "not_found"


# A scheduled request's answers keep its time point: before a visit, or day 1 and day 7 after
# a session (the early-response table); a link made by hand is a follow-up.
_REQUEST_TIME_POINTS = {
    "pre_visit": (TimePoint.PRE_SESSION, None),
    "after_session_1d": (TimePoint.FOLLOW_UP, 1),
    "after_session_7d": (TimePoint.FOLLOW_UP, 7),
}


def _time_point(link: SelfReportLink) -> tuple[str, int | None]:
    scheduled = getattr(link, "request", None) if link.created_by_id is None else None
    if scheduled is None:
        return TimePoint.FOLLOW_UP, None
    return _REQUEST_TIME_POINTS.get(scheduled.kind, (TimePoint.FOLLOW_UP, None))


def submit_self_report(*, link: SelfReportLink, answers: dict[str, dict], request=None):
    """Record every questionnaire of the link (source self_report) and use the link up, in one
    transaction. `answers` maps instrument code to {item_id: value}."""
    errors: dict[str, str] = {}
    for code in link.instrument_codes:
        try:
            check_and_score(load_definition(code), answers.get(code, {}))
        except ValidationFailed as exc:
            errors.update({f"{code}__{item}": msg for item, msg in exc.fields.items()})
    if errors:
        raise ValidationFailed("Please answer every question.", fields=errors)
    with transaction.atomic():
        locked = SelfReportLink.objects.select_for_update(of=("self",), no_key=True).get(pk=link.pk)
        if not locked.is_usable_at(timezone.now()):
            raise LinkNotUsable("This link can no longer be used.")
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at", "updated_at"])
        time_point, follow_up_day = _time_point(link)
        administrations = [
            record_administration(
                patient=link.patient,
                instrument_code=code,
                answers=answers[code],
                time_point=time_point,
                follow_up_day=follow_up_day,
                source=Source.SELF_REPORT,
                actor=None,
                request=request,
            )
            for code in link.instrument_codes
        ]
        record(
            event_type="self_report.submitted",
            patient=link.patient,
            obj=locked,
            changes={"new": {"administrations": [str(a.public_id) for a in administrations]}},
            request=request,
        )
    alerts = [alert for a in administrations for alert in a.raised_alerts]
    return Submission(administrations, alerts)
