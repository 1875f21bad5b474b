"""What courses contributes to the pages below it, registered in `CoursesConfig.ready()`: the
course review (state, recommendation with its reasons and sources, the decisions taken) on the
patient chart and on the treatment plan page."""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.bibliography import render
from ketamine_care.courses.forms import PREFIX, DecisionForm
from ketamine_care.courses.queries import current_plan, decisions, plan_review
from ketamine_care.courses.services import RHYTHM_ACTIONS
from ketamine_care.dosing.models import PlanStatus


def _context(request, plan) -> dict | None:
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.VIEW_TREATMENT):
        return None
    review = plan_review(plan) if plan is not None else None
    reasons = []
    if review is not None:
        reasons = [
            {**r.as_dict(), "cited": render(r.source)} for r in review.recommendation.reasons
        ]
    return {
        "course_plan": plan,
        "course_review": review,
        "course_reasons": reasons,
        "course_changes_rhythm": review is not None
        and review.recommendation.action in RHYTHM_ACTIONS
        and review.recommendation.target_every_days is not None,
        "course_decisions": decisions(plan) if plan is not None else [],
        "course_can_decide": plan is not None
        and plan.status == PlanStatus.ACTIVE
        and plan.patient.is_active
        and has_capability(membership, Capability.PLAN_TREATMENT),
        "course_form": DecisionForm(prefix=PREFIX),
    }


def chart_section(request, patient) -> dict | None:
    """The review of the patient's current plan; None for roles without VIEW_TREATMENT."""
    return _context(request, current_plan(patient))


def plan_section(request, plan) -> dict | None:
    return _context(request, plan)
