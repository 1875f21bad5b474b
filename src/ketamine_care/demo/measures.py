"""Demo scheduled measures (idempotent, deterministic): the demo day's patients agreed to be
contacted by e-mail (one also by text), and their scheduled questionnaires stand in each
state (due and held for want of consent, sent, opened, completed, expired), so the chart,
the outstanding list and the pre-session checks have something to show. Times are relative
to when the demo is loaded; the demo's links were never sent, so none opens."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from ketamine_care.accounts.models import User
from ketamine_care.core.secret_links import unusable_hash
from ketamine_care.demo.sessions import MARK
from ketamine_care.treatment_sessions.models import TreatmentSession


def _model(name: str):
    # `demo` and `portal` are independent siblings (import-linter): the demo reaches the
    # portal's tables through Django's app registry, as a data migration would.
    return apps.get_model("portal", name)


# (session state, request kind, state to show)
DEMO_REQUESTS = [
    ("scheduled", "pre_visit", "due"),
    ("checked_in", "pre_visit", "opened"),
    ("discharged", "after_session_1d", "sent"),
    ("signed", "after_session_1d", "completed"),
    ("cancelled", "pre_visit", "expired"),
]


def make_measures_demo(clinic) -> dict:
    if _model("MeasureRequest").objects.filter(clinic=clinic).exists():
        return {"measure_requests_created": 0}
    nurse = User.objects.get(email="nurse@demo.clinic")
    sessions = {
        s.state: s
        for s in TreatmentSession.objects.filter(clinic=clinic, ad_hoc_reason__startswith=MARK)
        .select_related("patient")
        .order_by("pk")
    }
    made = 0
    for state, kind, shown in DEMO_REQUESTS:
        session = sessions.get(state)
        if session is None:
            continue
        patient = session.patient
        if shown != "due":  # the due one waits for consent: nothing may be sent yet
            if not patient.email:
                patient.email = f"{patient.given_name.lower()}@example.org"
                patient.save(update_fields=["email", "updated_at"])
            _model("ContactPreference").objects.get_or_create(
                patient=patient,
                defaults={
                    "consent_to_contact": True,
                    "by_sms": state == "discharged",
                    "recorded_by": nurse,
                },  # fmt: skip
            )
        _request(session, kind, shown)
        made += 1
    return {"measure_requests_created": made}


def _request(session, kind: str, shown: str):
    now = timezone.now()
    due = now - timedelta(hours=30 if shown == "expired" else 2)
    expires = now - timedelta(hours=1) if shown == "expired" else now + timedelta(hours=48)
    row = _model("MeasureRequest").objects.create(
        clinic=session.clinic,
        patient=session.patient,
        session=session,
        kind=kind,
        instrument_codes=["phq9"],
        due_at=due,
        expires_at=expires,
        held="no_consent" if shown == "due" else "",
    )
    if shown == "due":
        return row
    row.link = _model("SelfReportLink").objects.create(
        clinic=session.clinic,
        patient=session.patient,
        token_sha256=unusable_hash(),  # the demo's links were never sent: none opens
        instrument_codes=row.instrument_codes,
        created_by=None,
        expires_at=expires,
        used_at=now - timedelta(minutes=30) if shown == "completed" else None,
    )
    row.queued_at = row.sent_at = due
    row.channels = ["email"]
    row.opened_at = now - timedelta(minutes=40) if shown in ("opened", "completed") else None
    row.save()
    return row
