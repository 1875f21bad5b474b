"""When scheduled self-report requests fall due, and the clinic's quiet hours (pure; no ORM).

The protocol's `monitoring.instruments_at` names the measures of each visit. The self-report
ones asked before dosing (`pre_dose`, every session) and at `follow_up` become requests the
patient answers at home, together with the clinic's own scheduled questionnaires
(`DEFAULT_INSTRUMENTS`, clinic-editable). The timings are labelled INSTITUTIONAL defaults
[@ketamine-care-defaults]: no primary source fixes when a home questionnaire is sent. The
day-after and day-7 requests feed the early-response table (the esketamine trials read the
first response at 24 h [@fu-2020 §results]): each is open exactly while an answer falls in
that table's window after the dose (`outcomes/defaults.json`, 24 h +/- 6 h and day 7 +/- 1
day), so every answer counts there.

Quiet hours are wall-clock times in the clinic's time zone, so they follow daylight saving:
22:00 is 22:00 local on either side of the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

PRE_VISIT = "pre_visit"
AFTER_SESSION_1D = "after_session_1d"
AFTER_SESSION_7D = "after_session_7d"
FOLLOW_UP = "follow_up"

# INSTITUTIONAL, clinic-editable defaults [@ketamine-care-defaults].
DEFAULT_INSTRUMENTS = ("phq9",)
DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 0)
PRE_VISIT_HOURS = 24  # sent this long before the visit; expires when the visit starts
# The early-response windows the after-session requests follow: kind -> window label.
AFTER_SESSION_WINDOWS = {AFTER_SESSION_1D: "24h", AFTER_SESSION_7D: "day7"}
RESEND_VALID_HOURS = 72
FOLLOW_UP_DAYS = 28  # after the last session, when no further visit is booked
FOLLOW_UP_VALID_DAYS = 7
SOURCE = "Home questionnaire timings (INSTITUTIONAL) [@ketamine-care-defaults]"


@dataclass(frozen=True)
class Visit:
    """A treatment session as the schedule sees it: `key` names it, `starts_at` is when it
    is booked, `ended_at` when the patient left (None: not finished)."""

    key: int
    starts_at: datetime
    ended_at: datetime | None = None
    dosed_at: datetime | None = None  # the early-response table's session time

    @property
    def anchor(self) -> datetime:
        return self.dosed_at or self.ended_at


@dataclass(frozen=True)
class PlannedRequest:
    session_key: int
    kind: str
    due_at: datetime
    expires_at: datetime
    instrument_codes: tuple[str, ...]


def protocol_instruments(instruments_at: Iterable, self_report: set[str], *, time_point: str):
    """The self-report instruments the protocol asks at `time_point` ("pre_dose" takes only
    those asked at every session)."""
    codes = [
        tp.instrument
        for tp in instruments_at
        if tp.time_point == time_point
        and tp.instrument in self_report
        and (time_point != "pre_dose" or tp.every_session)
    ]
    return tuple(dict.fromkeys(codes))


def _codes(*groups: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(code for group in groups for code in group))


def planned_requests(
    *,
    upcoming: Sequence[Visit],
    finished: Sequence[Visit],
    pre_dose: Sequence[str],
    follow_up: Sequence[str],
    clinic_instruments: Sequence[str],
    after_windows: Mapping[str, tuple[float, float]],
    now: datetime,
) -> list[PlannedRequest]:
    """The requests due at `now` and not yet expired: before each upcoming visit, after each
    finished session (`after_windows`: kind -> (target, tolerance) hours after the dose),
    and a follow-up after the last session when no visit is booked. The caller drops those
    it already made (one per session and kind)."""
    planned = []
    before = timedelta(hours=PRE_VISIT_HOURS)
    for visit in upcoming:
        codes = _codes(clinic_instruments, pre_dose)
        planned.append(
            PlannedRequest(visit.key, PRE_VISIT, visit.starts_at - before, visit.starts_at, codes)
        )
    for visit in finished:
        for kind, (target, tolerance) in after_windows.items():
            middle = visit.anchor + timedelta(hours=target)
            due, expires = middle - timedelta(hours=tolerance), middle + timedelta(hours=tolerance)
            planned.append(
                PlannedRequest(visit.key, kind, due, expires, _codes(clinic_instruments))
            )
    if finished and not upcoming:
        last = max(finished, key=lambda v: v.ended_at)
        due = last.ended_at + timedelta(days=FOLLOW_UP_DAYS)
        expires = due + timedelta(days=FOLLOW_UP_VALID_DAYS)
        codes = _codes(clinic_instruments, follow_up)
        planned.append(PlannedRequest(last.key, FOLLOW_UP, due, expires, codes))
    return [p for p in planned if p.due_at <= now < p.expires_at and p.instrument_codes]


def in_quiet_hours(moment: datetime, *, time_zone: str, start: time, end: time) -> bool:
    """True when `moment` falls in the quiet hours [start, end) of the clinic's wall clock.
    A span that passes midnight (21:00-08:00) is quiet after start or before end; start ==
    end means no quiet hours."""
    local = moment.astimezone(ZoneInfo(time_zone)).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(moment: datetime, *, time_zone: str, start: time, end: time) -> datetime:
    """When sending may start again: `moment` itself outside quiet hours, else the next
    local `end` (a wall-clock time, so the day of a daylight-saving change is right)."""
    if not in_quiet_hours(moment, time_zone=time_zone, start=start, end=end):
        return moment
    zone = ZoneInfo(time_zone)
    local = moment.astimezone(zone)
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)
