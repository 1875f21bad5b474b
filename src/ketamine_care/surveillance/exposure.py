"""Cumulative exposure to ketamine or esketamine over the last 30 and 365 days (pure).

A window of N days ending `today` holds the doses with `today - N days < day <= today`:
with N = 30 a dose exactly 30 days ago is outside, one 29 days ago inside, and a dose after
`today` (a planned one) never counts. Fail safe: a dose whose mg is unknown still counts as
a session; it adds nothing to the mg total, and the `sessions_without_mg_*` fields say how
many sessions the mg total leaves out, so an unknown dose never lowers exposure below what
is known and the gap is said, not hidden. No Django import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WINDOWS_DAYS: tuple[int, int] = (30, 365)


@dataclass(frozen=True)
class Dose:
    """One dosing session: its day and the mg given (None when unknown)."""

    day: date
    mg: float | None

    def __post_init__(self) -> None:
        if self.mg is not None and (not math.isfinite(self.mg) or self.mg < 0):
            raise ValueError(f"dose on {self.day.isoformat()}: mg must be a number >= 0")


@dataclass(frozen=True)
class Exposure:
    sessions_last_30_days: int
    mg_last_30_days: float
    sessions_last_365_days: int
    mg_last_365_days: float
    # Sessions in each window whose mg is unknown (counted as sessions, not in mg).
    sessions_without_mg_last_30_days: int = 0
    sessions_without_mg_last_365_days: int = 0

    def as_dict(self) -> dict:
        """The four exposure figures (the `exposure` object of course reviews)."""
        return {
            "sessions_last_30_days": self.sessions_last_30_days,
            "mg_last_30_days": self.mg_last_30_days,
            "sessions_last_365_days": self.sessions_last_365_days,
            "mg_last_365_days": self.mg_last_365_days,
        }

    def as_report(self) -> dict:
        """The four figures and, beside the mg, how many sessions of each window have no
        recorded dose (the `exposure` object of course reviews; non-zero: the mg total is a
        lower bound)."""
        return {
            **self.as_dict(),
            "sessions_without_mg_last_30_days": self.sessions_without_mg_last_30_days,
            "sessions_without_mg_last_365_days": self.sessions_without_mg_last_365_days,
        }

    def notes(self) -> list[str]:
        """Plain words for what the mg totals leave out (empty when every dose is known)."""
        notes = []
        for days, missing in (
            (30, self.sessions_without_mg_last_30_days),
            (365, self.sessions_without_mg_last_365_days),
        ):
            if missing:
                noun = "session" if missing == 1 else "sessions"
                notes.append(
                    f"{missing} {noun} in the last {days} days without a recorded dose: "
                    "counted as sessions, not in the mg total"
                )
        return notes


def in_window(day: date, *, today: date, days: int) -> bool:
    """Whether `day` falls in the `days`-day window ending `today` (today included)."""
    return today - timedelta(days=days) < day <= today


def _window(doses: Sequence[Dose], today: date, days: int) -> tuple[int, float, int]:
    inside = [dose for dose in doses if in_window(dose.day, today=today, days=days)]
    known = [dose.mg for dose in inside if dose.mg is not None]
    return len(inside), round(math.fsum(known), 3), len(inside) - len(known)


def cumulative_exposure(doses: Sequence[Dose], *, today: date) -> Exposure:
    """Sessions and mg in the 30- and 365-day windows ending `today` (see the module doc)."""
    s30, mg30, missing30 = _window(doses, today, 30)
    s365, mg365, missing365 = _window(doses, today, 365)
    return Exposure(
        sessions_last_30_days=s30,
        mg_last_30_days=mg30,
        sessions_last_365_days=s365,
        mg_last_365_days=mg365,
        sessions_without_mg_last_30_days=missing30,
        sessions_without_mg_last_365_days=missing365,
    )


@dataclass(frozen=True)
class DoseTrend:
    """The recorded dose per session over the last 365 days (a dose-escalation cue for the
    misuse review; it judges nothing)."""

    first_mg: float
    latest_mg: float
    highest_mg: float
    sessions: int

    @property
    def rising(self) -> bool:
        return self.latest_mg > self.first_mg


def dose_trend(doses: Sequence[Dose], *, today: date) -> DoseTrend | None:
    """First, latest and highest recorded mg in the 365-day window (None: no recorded mg)."""
    known = sorted(
        (d for d in doses if d.mg is not None and in_window(d.day, today=today, days=365)),
        key=lambda d: d.day,
    )
    if not known:
        return None
    values = [float(d.mg) for d in known if d.mg is not None]
    return DoseTrend(values[0], values[-1], max(values), len(values))
