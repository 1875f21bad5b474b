"""Month grids for a plan's calendar (pure): weeks Monday-Sunday, each day with its visits."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(slots=True)
class Day:
    date: date
    in_month: bool
    visits: list[Any] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)


@dataclass
class Month:
    first: date
    weeks: list[list[Day]]


def month_grids(visits: list[Any], reviews: list[dict] = ()) -> list[Month]:
    """One grid per month from the first to the last visit; `visits` need a `.date`."""
    if not visits:
        return []
    by_day: dict[date, list[Any]] = {}
    for visit in visits:
        by_day.setdefault(visit.date, []).append(visit)
    review_days: dict[str, list[dict]] = {}
    for review in reviews:
        review_days.setdefault(str(review["date"]), []).append(review)
    start, end = min(by_day), max(by_day)
    months, year, month = [], start.year, start.month
    cal = calendar.Calendar(firstweekday=0)
    while (year, month) <= (end.year, end.month):
        # A plan can span years: each day is built once, and looked up only when in the month.
        weeks = [
            [
                Day(
                    d,
                    True,
                    by_day.get(d, []),
                    review_days.get(d.isoformat(), []) if review_days else [],
                )
                if d.month == month
                else Day(d, False)
                for d in week
            ]
            for week in cal.monthdatescalendar(year, month)
        ]
        months.append(Month(date(year, month, 1), weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
