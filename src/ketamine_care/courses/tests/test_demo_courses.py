"""The demo has a patient in each course state, each with its recommendation."""

from __future__ import annotations

import pytest

from ketamine_care.courses.queries import plan_review
from ketamine_care.demo.courses import COURSES, PROTOCOL
from ketamine_care.demo.data import load_demo
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.testing.demo_snapshot import load_demo_once

EXPECTED_ACTIONS = {
    "induction": "continue",
    "non_response": "review_for_discontinuation",
    "sustained_remission": "extend_interval",
    "loss_of_response": "shorten_interval",
    "relapse": "shorten_interval",
}


@pytest.mark.django_db
def test_demo_courses_cover_every_state():
    load_demo_once()
    plans = TreatmentPlan.objects.filter(protocol_id=PROTOCOL).order_by("id")
    reviews = {}
    for plan in plans:
        review = plan_review(plan)
        reviews[review.state.state] = review.recommendation.action
    assert set(reviews) == set(COURSES)
    for state, action in EXPECTED_ACTIONS.items():
        assert reviews[state] == action, (state, reviews[state])
    assert load_demo()["courses_created"] == 0  # idempotent
