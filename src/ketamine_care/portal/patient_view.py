"""The patient's own view behind a valid link: their upcoming visits and, where the clinic
allows it (`MeasureSettings.show_scores_to_patient`, off by default), their own
questionnaire scores over time in plain words. Dates and times only: never a dose or drug."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from ketamine_care.instruments.definition import UnknownInstrument, load_definition
from ketamine_care.instruments.models import Administration, Source
from ketamine_care.portal import contact
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import TreatmentSession

UPCOMING = 5
SCORES = 8


def upcoming_visits(patient, time_zone: str) -> list[str]:
    rows = (
        TreatmentSession.objects.filter(
            patient=patient, state=states.SCHEDULED, scheduled_for__gt=timezone.now()
        )
        .order_by("scheduled_for")
        .values_list("scheduled_for", flat=True)[:UPCOMING]
    )
    return [contact.local_time(moment, time_zone) for moment in rows]


def _plain(definition, totals: list[tuple]) -> dict:
    high = definition.total_range.max if definition.total_range else None
    points = [
        {"date": f"{moment:%d %B %Y}", "total": total, "of": high} for moment, total in totals
    ]
    first, last = totals[0][1], totals[-1][1]
    if len(totals) < 2:
        trend = "This is your first score; later answers will show how it changes."
    elif last < first:
        trend = f"Your score went down from {first} to {last}. A lower score means fewer symptoms."
    elif last > first:
        trend = f"Your score went up from {first} to {last}. A higher score means more symptoms."
    else:
        trend = f"Your score is the same as at first ({last})."
    return {"name": definition.name, "points": points, "trend": trend}


def score_trajectory(patient) -> list[dict]:
    """The patient's own self-report totals, oldest first, per questionnaire."""
    rows = (
        Administration.objects.filter(
            patient=patient, source=Source.SELF_REPORT, total__isnull=False
        )
        .exclude(status="entered_in_error")
        .order_by("-administered_at")
        .values_list("instrument_code", "administered_at", "total")[: SCORES * 4]
    )
    by_code: dict[str, list] = defaultdict(list)
    for code, moment, total in rows:
        if len(by_code[code]) < SCORES:
            by_code[code].append((moment, total))
    out = []
    for code, totals in sorted(by_code.items()):
        try:
            definition = load_definition(code)
        except UnknownInstrument:
            continue
        out.append(_plain(definition, list(reversed(totals))))
    return out


def own_view(patient, clinic) -> dict:
    settings = contact.settings_for(clinic)
    return {
        "upcoming_visits": upcoming_visits(patient, settings.time_zone),
        "show_scores": settings.show_scores_to_patient,
        "trajectory": score_trajectory(patient) if settings.show_scores_to_patient else [],
    }
