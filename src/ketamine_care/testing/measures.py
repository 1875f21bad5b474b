"""Builders for rating-scale tests: administrations through the real service."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ketamine_care.instruments.services import record_administration


def record(patient, actor, code: str, answers, *, days_ago: float = 0, time_point="follow_up"):
    when: datetime = timezone.now() - timedelta(days=days_ago)
    return record_administration(
        patient=patient,
        instrument_code=code,
        answers=answers,
        time_point=time_point,
        actor=actor,
        administered_at=when,
    )


def phq9(total: int, item9: int = 0) -> list[int]:
    """A PHQ-9 answer set with the given total (item 9 set separately, then items 1-8 filled)."""
    rest = total - item9
    answers = []
    for _ in range(8):
        value = min(3, rest)
        answers.append(value)
        rest -= value
    if rest:
        raise ValueError("total out of range")
    return [*answers, item9]
