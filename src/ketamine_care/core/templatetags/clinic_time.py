"""`{{ when|clinic_time }}`: one human format for a moment on every clinical screen and in
signed notes ("29 Nov 2026, 14:05" in the clinic's time zone). It takes a datetime or the
ISO text a signed summary stores; anything else is shown as it is.

The zone is the one the request activated (the clinic's, `accounts.middleware`), or the
clinic given as argument (`{{ when|clinic_time:clinic }}`) where no request is at hand.
In the hour a clock falls back the same wall time happens twice, so a time in that hour
carries its zone abbreviation ("1 Nov 2026, 01:10 PST" after "01:50 PDT").

`{{ when|clinic_clock }}` is the time of day alone ("14:05") for lists within one day."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from ketamine_care.core.clock import clinic_zone

register = template.Library()


def _moment(value, clinic=None) -> datetime | None:
    when = value
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(when, datetime):
        return None
    if timezone.is_aware(when):
        when = timezone.localtime(when, clinic_zone(clinic) if clinic is not None else None)
    return when


def _repeated_hour(when: datetime) -> bool:
    """True when this wall time also happens once more (or once before) that night."""
    if when.tzinfo is None:
        return False
    other = when.replace(fold=1 - when.fold)
    return other.utcoffset() != when.utcoffset()


def _clock(when: datetime) -> str:
    text = f"{when:%H:%M}"
    return f"{text} {when:%Z}" if _repeated_hour(when) else text


@register.filter
def clinic_time(value, clinic=None) -> str:
    if value in (None, "", "None"):
        return ""
    when = _moment(value, clinic)
    if when is None:
        return str(value)
    return f"{when.day} {when:%b %Y}, {_clock(when)}"


@register.filter
def clinic_clock(value, clinic=None) -> str:
    if value in (None, "", "None"):
        return ""
    when = _moment(value, clinic)
    return str(value) if when is None else _clock(when)
