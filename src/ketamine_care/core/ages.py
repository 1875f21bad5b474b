"""A patient's age as a clinician says it (pure; no Django).

Ages are counted in completed calendar months from the date of birth and given in years
(`Patient.age_years_on`: months / 12), so an infant's limit in months (under 3 months = 0.25,
an absolute contraindication to ketamine sedation [@green-2011]) is exact while every
whole-year limit (18, 65) gives the verdict completed years give.
"""

from __future__ import annotations

import math
from datetime import date


def completed_years(born: date, day: date) -> int:
    """Completed years from `born` to `day` (a year is complete on the birthday)."""
    return day.year - born.year - int((day.month, day.day) < (born.month, born.day))


def completed_months(born: date, day: date) -> int:
    """Completed calendar months from `born` to `day` (a month is complete on the day of the
    month of birth, or on the 1st after a shorter month)."""
    months = (day.year - born.year) * 12 + day.month - born.month
    return months - int(day.day < born.day)


def age_years(born: date, day: date) -> float:
    """Age in years counted in completed calendar months (months / 12): exact for an
    infant's limit in months (3 months = 0.25) and the verdict completed years give at a
    whole-year limit (17 years 11 months is under 18)."""
    return completed_months(born, day) / 12


def age_text(years: float) -> str:
    """An age as a clinician says it: months under 2 years ("3 months", "2.9 months"),
    years from 2 ("17 years", "16.58 years" for an age counted in months)."""
    if years < 2:
        months = round(years * 12, 1)
        return f"{months:g} month" if months == 1 else f"{months:g} months"
    return f"{round(years, 2):g} years"


def completed_age_text(years: float) -> str:
    """A patient's age as the chart says it: months under 2 years ("7 months"), completed
    years from 2 ("41 years" for 41 years and 7 months, as a 17-year-old is 17 until the 18th
    birthday)."""
    return age_text(math.floor(years) if years >= 2 else years)
