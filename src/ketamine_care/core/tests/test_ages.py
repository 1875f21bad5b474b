"""A patient's age in words: months under 2 years, completed years from 2 (the screening
workup's and verdict's "Age"; the dose messages keep the age as given, `age_text`)."""

from __future__ import annotations

from datetime import date

import pytest
from django.template import Context, Template

from ketamine_care.core.ages import (
    age_text,
    completed_age_text,
    completed_months,
    completed_years,
)


@pytest.mark.parametrize(
    ("years", "said"),
    [
        (0, "0 months"),
        (1 / 12, "1 month"),
        (7 / 12, "7 months"),
        (23 / 12, "23 months"),
        (2, "2 years"),
        (2 + 11 / 12, "2 years"),
        (17 + 11 / 12, "17 years"),
        (41 + 7 / 12, "41 years"),
    ],
)
def test_a_record_age_is_said_in_months_under_2_and_completed_years_from_2(years, said):
    assert completed_age_text(years) == said


def test_a_dose_message_keeps_the_age_as_given():
    assert age_text(16 + 7 / 12) == "16.58 years"
    assert completed_age_text(16 + 7 / 12) == "16 years"


@pytest.mark.parametrize(
    ("value", "shown"), [(7 / 12, "7 months"), (41.5, "41 years"), (None, "not recorded")]
)
def test_the_age_filter(value, shown):
    template = Template('{% load clinical %}{{ age|age|default:"not recorded" }}')
    assert template.render(Context({"age": value})) == shown


@pytest.mark.parametrize(
    ("born", "day", "years", "months"),
    [
        (date(2020, 6, 15), date(2022, 6, 15), 2, 24),
        (date(2020, 6, 15), date(2022, 6, 14), 1, 23),
        (date(2024, 1, 31), date(2024, 4, 30), 0, 2),
        (date(2024, 1, 31), date(2024, 5, 1), 0, 3),
        (date(2020, 2, 29), date(2021, 2, 28), 0, 11),
        (date(2020, 2, 29), date(2021, 3, 1), 1, 12),
    ],
)
def test_completed_years_and_months(born, day, years, months):
    assert completed_years(born, day) == years
    assert completed_months(born, day) == months
