"""The clinic's clock: its IANA time zone, "now" and "today" as the clinic lives them.

Every clinical "today" is the clinic's (lot and dose expiry, today's weight, the day list,
REMS due dates, plan dates): a US clinic's afternoon is already tomorrow in UTC, so the
server's date would refuse a lot on its last day at 17:00 Pacific. Services ask
`clinic_today(clinic)`, never `date.today()` (the server's zone) nor a bare
`timezone.localdate()` (whatever zone the request happened to activate).

Instants stay aware and in UTC in the database; durations ("minutes since the dose") are
differences of aware instants, so a daylight-saving change never adds or loses an hour.

`clinic` is anything with a `time_zone` attribute (accounts.Clinic); core imports no app.
`default_time_zone` and `validate_time_zone` are named by the migration that added the field
(accounts 0003): keep their names and module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

FALLBACK_TIME_ZONE = "UTC"


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    """True for an IANA zone name this system's tz database knows ("America/Los_Angeles")."""
    return isinstance(name, str) and name in _known_zones()


def validate_time_zone(name: str) -> None:
    """Model-field validator: an IANA name, not an offset or an abbreviation ("PST")."""
    if not is_time_zone(name):
        raise ValidationError(
            "%(value)s is not an IANA time zone; use a name such as America/Los_Angeles.",
            code="invalid_time_zone",
            params={"value": name},
        )


def default_time_zone() -> str:
    """The zone a new clinic gets: DEFAULT_CLINIC_TIME_ZONE, or UTC when unset."""
    return getattr(settings, "DEFAULT_CLINIC_TIME_ZONE", "") or FALLBACK_TIME_ZONE


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(_known_zones())]


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def clinic_zone(clinic) -> ZoneInfo:
    """The clinic's zone. A missing or unknown name falls back to the default zone rather
    than failing a page; the field's validator keeps unknown names out of the database."""
    name = getattr(clinic, "time_zone", "") or default_time_zone()
    return _zone(name if is_time_zone(name) else default_time_zone())


def clinic_now(clinic, now: datetime | None = None) -> datetime:
    """`now` (default: this instant) as the clinic's wall clock, aware."""
    return timezone.localtime(now or timezone.now(), clinic_zone(clinic))


def clinic_today(clinic, now: datetime | None = None) -> date:
    """The clinic's calendar date at `now` (default: this instant)."""
    return clinic_now(clinic, now).date()


def clinic_date_of(clinic, when: datetime) -> date:
    """The clinic's calendar date of the instant `when` (a naive value is taken as UTC)."""
    if timezone.is_naive(when):
        when = timezone.make_aware(when, ZoneInfo("UTC"))
    return timezone.localtime(when, clinic_zone(clinic)).date()


def clinic_day_bounds(clinic, day: date) -> tuple[datetime, datetime]:
    """The instants the clinic's `day` starts and the next day starts ([start, end)), in UTC.

    A daylight-saving day is 23 or 25 hours long; the bounds are midnights in the zone.
    They are returned in UTC because Python subtracts two times of one zone by their wall
    clocks (end - start would say 24 hours on either night)."""
    zone = clinic_zone(clinic)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """The real time between two aware instants, whatever zones they carry. Subtracting two
    times that share a zone compares wall clocks, which is an hour off across a daylight-saving
    change (a form parses both in the clinic's zone)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def activate_clinic_zone(clinic) -> None:
    """Make the clinic's zone the current one for this thread (templates, forms and
    `timezone.localtime()` follow it); without a clinic, the server's zone (UTC)."""
    if clinic is None:
        timezone.deactivate()
    else:
        timezone.activate(clinic_zone(clinic))


def as_utc(when: datetime | None) -> datetime | None:
    """An aware instant moved to UTC (None and naive values unchanged). Services store and
    order entered times this way: times a form parsed in the clinic's zone share its tzinfo,
    and Python compares and subtracts those by wall clock (01:10 PST "before" 01:50 PDT)."""
    if when is None or timezone.is_naive(when):
        return when
    return when.astimezone(UTC)
