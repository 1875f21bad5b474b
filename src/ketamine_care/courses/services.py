"""The prescriber's decision on a course-review recommendation. Callers authorize first
(PLAN_TREATMENT, the same capability that moves a plan's visits).

Accepting a rhythm change (extend, shorten, return to the previous schedule) re-spaces the
plan's remaining visits at the proposed interval through `dosing.services.move_visit`, so each
move keeps the protocol's minimum gap and writes its own audit event; the number of visits
does not change. Accepting any other action, or declining (a reason is required), records the
decision only. The recommendation is computed again inside the service: when it no longer
matches what the prescriber saw, nothing changes (Conflict).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.courses.models import CourseDecision, Decision
from ketamine_care.courses.queries import plan_review
from ketamine_care.courses.review import CourseReview
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.dosing.planning import parse_clinic_days
from ketamine_care.dosing.services import move_visit

EVENTS = {
    Decision.ACCEPTED: "course.recommendation_accepted",
    Decision.DECLINED: "course.recommendation_declined",
}
RHYTHM_ACTIONS = frozenset({"extend_interval", "shorten_interval", "return_to_previous_schedule"})


def _current(plan: TreatmentPlan, expected_action: str) -> CourseReview:
    if plan.status != PlanStatus.ACTIVE or not plan.patient.is_active:
        raise StateError("Only an active plan's recommendation can be decided.")
    review = plan_review(plan)
    if review is None:
        raise StateError("This plan has too few visits left to review its rhythm.")
    if review.recommendation.action != expected_action:
        raise Conflict(
            "The recommendation changed since the page was shown: read it again.",
            fields={"action": f"Now: {review.recommendation.action}."},
        )
    return review


def _new_dates(plan: TreatmentPlan, every: int, today: date) -> list[tuple]:
    """(visit, new date) for the visits after today, every `every` days from the last visit on
    or before today, each moved on to the next clinic day."""
    visits = list(plan.visits.order_by("date", "number"))
    past = [v.date for v in visits if v.date <= today]
    anchor = past[-1] if past else today
    open_days = parse_clinic_days(plan.clinic_days)
    moves, previous = [], anchor
    for visit in (v for v in visits if v.date > today):
        day = max(previous + timedelta(days=every), previous + timedelta(days=visit.min_gap_days))
        while day.weekday() not in open_days:
            day += timedelta(days=1)
        moves.append((visit, day))
        previous = day
    return moves


def _respace(plan: TreatmentPlan, every: int, *, actor, reason: str, request) -> list[dict]:
    moves = _new_dates(plan, every, clinic_today(plan.patient.clinic))
    # Later visits move first when the plan stretches, earlier ones first when it tightens, so
    # every single move keeps the minimum gap to neighbours already in place.
    if moves and moves[-1][1] > moves[-1][0].date:
        moves.reverse()
    done = []
    for visit, day in moves:
        old = visit.date
        if day != old:
            move_visit(visit=visit, new_date=day, actor=actor, reason=reason, request=request)
            done.append({"visit": visit.number, "old": old.isoformat(), "new": day.isoformat()})
    return sorted(done, key=lambda m: m["visit"])


def _store(plan, review: CourseReview, *, actor, decision, reason, moved, request):
    rec = review.recommendation
    row = CourseDecision.objects.create(
        patient=plan.patient,
        plan=plan,
        reviewed_on=review.state.today,
        state=review.state.state,
        action=rec.action,
        reasons=[r.as_dict() for r in rec.reasons],
        every_days=rec.every_days,
        target_every_days=rec.target_every_days,
        decision=decision,
        reason=reason,
        visits_moved=moved,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    record(
        event_type=EVENTS[decision],
        actor=actor,
        patient=plan.patient,
        obj=row,
        changes={
            "plan": str(plan.public_id),
            "state": review.state.state,
            "action": rec.action,
            "every_days": rec.every_days,
            "target_every_days": rec.target_every_days,
            "reason": reason,
            "visits_moved": moved,
        },
        request=request,
    )
    return row


def accept_recommendation(
    *, plan: TreatmentPlan, actor, expected_action: str, request=None
) -> CourseDecision:
    """Accept today's recommendation; a rhythm change re-spaces the remaining visits."""
    review = _current(plan, expected_action)
    rec = review.recommendation
    with transaction.atomic():
        moved: list[dict] = []
        if rec.action in RHYTHM_ACTIONS and rec.target_every_days:
            words = f"Course review accepted: {rec.action}, every {rec.target_every_days} days"
            moved = _respace(
                plan, rec.target_every_days, actor=actor, reason=words, request=request
            )
        return _store(
            plan, review, actor=actor, decision=Decision.ACCEPTED, reason="", moved=moved,
            request=request,
        )  # fmt: skip


def decline_recommendation(
    *, plan: TreatmentPlan, actor, expected_action: str, reason: str, request=None
) -> CourseDecision:
    """Decline today's recommendation with the prescriber's reason; the plan is unchanged."""
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise ValidationFailed(
            "Say why the recommendation is declined.", fields={"reason": "Give a reason."}
        )
    review = _current(plan, expected_action)
    with transaction.atomic():
        return _store(
            plan, review, actor=actor, decision=Decision.DECLINED, reason=reason, moved=[],
            request=request,
        )  # fmt: skip
