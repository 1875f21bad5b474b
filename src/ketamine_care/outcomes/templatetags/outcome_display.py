"""Display formatting for outcomes. No clinical decisions: values arrive computed."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from ketamine_care.core import labels as core_labels
from ketamine_care.instruments.models import Source, TimePoint

register = template.Library()


@register.filter
def signed(value) -> str:
    if value is None:
        return "—"
    return f"{value:+g}".replace("-", "−")


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{value:+.0f} %".replace("-", "−")


@register.filter
def yes_no(value) -> str:
    return "—" if value is None else ("Yes" if value else "No")


@register.filter
def in_days(value: timedelta | None) -> str:
    if value is None:
        return "—"
    days = value.total_seconds() / 86400
    return f"{days:.0f} days" if days >= 1 else f"{value.total_seconds() / 3600:.0f} h"


@register.filter
def words(value) -> str:
    """`moderately_severe` -> `moderately severe`."""
    return str(value or "").replace("_", " ")


def flag_words(flags) -> str:
    """A score's flags in the clinic's words: a screen's flag by its label ("Positive AUDIT-C
    screen"), a safety flag as before ("suicidality")."""
    named = core_labels.labels(core_labels.SCORE_FLAG)
    return ", ".join(named.get(f) or words(f) for f in flags or ())


@register.filter
def screen_labels(flags) -> list[str]:
    """The labels of the screens a score's flags report positive (AUDIT-C), for a badge."""
    named = core_labels.labels(core_labels.SCORE_FLAG)
    return [named[f] for f in flags or () if f in named]


# Long series (five years of weekly ratings) are rendered here rather than in template loops:
# format_html_join over 1,000+ rows is several times faster than {% for %}, and it escapes
# every value it is given.

_POINT = '<circle cx="{}" cy="{}" r="3" class="point"><title>{}</title></circle>'
_ROW = '<tr><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>'


@register.simple_tag
def svg_points(trajectory) -> SafeString:
    return format_html_join("", _POINT, ((p.x, p.y, p.title) for p in trajectory.points))


_TIME_POINTS = dict(TimePoint.choices)
_SOURCES = dict(Source.choices)


def _cells(a) -> tuple:
    when = f"{localtime(a.administered_at):%Y-%m-%d %H:%M}"
    point = _TIME_POINTS.get(a.time_point, a.time_point)
    if a.follow_up_day is not None:
        point = f"Follow-up day {a.follow_up_day}"
    total = "—" if a.total is None else a.total
    band = words(a.band) or (f"risk {a.risk}" if a.risk else "")
    flags = flag_words(a.flags)
    return when, point, total, band, flags, _SOURCES.get(a.source, a.source)


@register.simple_tag
def administration_rows(administrations) -> SafeString:
    return format_html_join("", _ROW, (_cells(a) for a in administrations))


@register.filter
def has_early_response(outcomes) -> bool:
    return any(o.early for o in outcomes)


@register.filter
def early_labels(outcomes) -> list[str]:
    """The window labels (4 h, 24 h, day 7) of the first early-response view."""
    first = next((o.early for o in outcomes if o.early), None)
    return [w.label for w in first.windows] if first else []
