"""When the next blood pressure is due, from the protocol's recording cadence (pure; no Django).

The cadence is protocol data: for IV infusions BP every `during_every_min` during the
infusion and every `after_every_min` after it (for `after_for_min` minutes when given)
[@riva-posse-2018]; for esketamine BP at fixed minutes such as 40 [@spravato-uspi]. A clinic
may set one interval for routes the data gives none. All minutes run from the start of dosing;
nothing is due before dosing starts. A reading that is late is a warning on the session page
and the floor, not an alert row: it disappears as soon as the reading is charted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Cadence:
    """BP recording cadence of one session, in minutes from dose start."""

    during_every_min: float | None = None
    after_every_min: float | None = None
    after_for_min: float | None = None
    bp_at_min: tuple[float, ...] = ()
    infusion_end_min: float | None = None  # None: the dose ends when given (bolus, spray)

    @property
    def empty(self) -> bool:
        return not (self.during_every_min or self.after_every_min or self.bp_at_min)


@dataclass(frozen=True)
class BpDue:
    """The next BP was due at `due_minute`; `late_min` > 0 means it is overdue now."""

    due_minute: float
    late_min: float

    @property
    def overdue(self) -> bool:
        return self.late_min > 0

    def text(self) -> str:
        """The floor's words: "BP due 5 min ago" or "BP due in 3 min"."""
        if self.overdue:
            return f"BP due {round(self.late_min):d} min ago"
        return f"BP due in {round(-self.late_min):d} min"


def next_bp_due(cadence: Cadence, bp_minutes: Iterable[float], now_minute: float) -> BpDue | None:
    """When the next BP is due (None when the cadence asks for none any more).

    `bp_minutes` are the minutes of the session's BP readings (negative before dosing);
    `now_minute` is now in minutes from dose start. The earliest of the interval and the
    fixed-minute requirements wins.
    """
    taken = sorted(bp_minutes)
    candidates = [
        due
        for due in (_interval_due(cadence, taken), _fixed_due(cadence, taken))
        if due is not None
    ]
    if not candidates:
        return None
    due = min(candidates)
    return BpDue(due_minute=due, late_min=round(now_minute - due, 2))


def _interval_due(cadence: Cadence, taken: list[float]) -> float | None:
    # The clock starts at the dose: a pre-dose baseline does not make the first one late.
    anchor = max([0.0, *taken])
    end = cadence.infusion_end_min
    if end is None:  # no infusion: one interval throughout
        interval = cadence.during_every_min or cadence.after_every_min
    elif anchor < end:
        interval = cadence.during_every_min
    else:
        interval = cadence.after_every_min
    if not interval:
        return None
    due = anchor + interval
    if end is not None and cadence.after_for_min is not None and due > end + cadence.after_for_min:
        return None
    return due


def _fixed_due(cadence: Cadence, taken: list[float]) -> float | None:
    # A fixed-minute BP is done by any BP at or after that minute ("BP at about 40 minutes").
    missing = [m for m in sorted(cadence.bp_at_min) if not any(t >= m for t in taken)]
    return missing[0] if missing else None
