"""The course history of a patient under a plan, read from the record, and its review.

Measures: the patient's active administrations with a total. Sessions: treatment sessions
that reached dosing (an aborted session after dosing still counts as exposure), with the sum
of their recorded doses (None when no dose was recorded: counted as a session, not in mg).
The current interval: the gap between the plan's next two visits, else its last two.
Dates are the clinic's local dates.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from ketamine_care.core.clock import clinic_date_of, clinic_today
from ketamine_care.courses.history import History, Measure, Session
from ketamine_care.courses.models import CourseDecision
from ketamine_care.courses.review import CourseReview, review_course
from ketamine_care.courses.rules import course_rules
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.treatment_sessions.models import TreatmentSession

RECENT_DECISIONS = 10


def current_plan(patient) -> TreatmentPlan | None:
    """The patient's latest active plan."""
    return (
        TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.ACTIVE)
        .select_related("protocol_version")
        .order_by("-start_date", "-id")
        .first()
    )


def plan_interval(plan: TreatmentPlan, today: date) -> int | None:
    """Days between the plan's next two visits (else its last two); None with fewer."""
    days = list(plan.visits.order_by("date", "number").values_list("date", flat=True))
    upcoming = [d for d in days if d > today]
    pair = upcoming[:2] if len(upcoming) >= 2 else days[-2:]
    if len(pair) < 2 or pair[1] <= pair[0]:
        return None
    return (pair[1] - pair[0]).days


def course_history(patient, plan: TreatmentPlan, every_days: int, instruments) -> History:
    """Measures of the instruments the review can follow (the protocol's), and sessions."""
    clinic = patient.clinic
    measures = [
        Measure(clinic_date_of(clinic, when), code, float(total))
        for code, total, when in Administration.objects.active()
        .filter(patient=patient, total__isnull=False, instrument_code__in=list(instruments))
        .values_list("instrument_code", "total", "administered_at")
    ]
    rows = (
        TreatmentSession.objects.filter(patient=patient, dosing_at__isnull=False)
        .exclude(state="cancelled")
        .annotate(mg=Sum("doses__dose_mg"))
        .values_list("dosing_at", "mg")
    )
    sessions = [
        Session(clinic_date_of(clinic, when), float(mg) if mg is not None else None)
        for when, mg in rows
    ]
    return History(tuple(measures), tuple(sessions), every_days)


def plan_review(plan: TreatmentPlan) -> CourseReview | None:
    """The course review of a plan today, or None when the plan has no rhythm to review."""
    patient = plan.patient
    today = clinic_today(patient.clinic)
    every = plan_interval(plan, today)
    if every is None:
        return None
    rules = course_rules(plan.protocol_version.parsed())
    history = course_history(patient, plan, every, rules.instruments)
    return review_course(history, rules, today)


def decisions(plan: TreatmentPlan) -> list[CourseDecision]:
    return list(
        CourseDecision.objects.filter(plan=plan).select_related("decided_by")[:RECENT_DECISIONS]
    )
