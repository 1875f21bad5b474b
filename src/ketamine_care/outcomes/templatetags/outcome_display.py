"""Display formatting for outcomes. No clinical decisions: values arrive computed."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

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


# Long series (five years of weekly ratings) are rendered here rather than in template loops:
# one f-string per row with stdlib escaping is several times faster than {% for %} (or
# format_html_join) over 1,000+ rows. Every value goes through `escape`.


@register.simple_tag
def svg_points(trajectory) -> str:
    return mark_safe(
        "".join(
            f'<circle cx="{p.x}" cy="{p.y}" r="3" class="point"><title>{escape(p.title)}</title>'
            "</circle>"
            for p in trajectory.points
        )
    )


_TIME_POINTS = dict(TimePoint.choices)
_SOURCES = dict(Source.choices)


def _row(a) -> str:
    when = f"{localtime(a.administered_at):%Y-%m-%d %H:%M}"
    point = _TIME_POINTS.get(a.time_point, a.time_point)
    if a.follow_up_day is not None:
        point = f"Follow-up day {a.follow_up_day}"
    total = "—" if a.total is None else a.total
    band = words(a.band) or (f"risk {a.risk}" if a.risk else "")
    cells = (point, band, words(", ".join(a.flags)), _SOURCES.get(a.source, a.source))
    point, band, flags, source = (escape(str(c)) for c in cells)
    return (
        f'<tr><td>{when}</td><td>{point}</td><td class="num">{total}</td><td>{band}</td>'
        f"<td>{flags}</td><td>{source}</td></tr>"
    )


@register.simple_tag
def administration_rows(administrations) -> str:
    return mark_safe("".join(_row(a) for a in administrations))


@register.filter
def has_early_response(outcomes) -> bool:
    return any(o.early for o in outcomes)


@register.filter
def early_labels(outcomes) -> list[str]:
    """The window labels (4 h, 24 h, day 7) of the first early-response view."""
    first = next((o.early for o in outcomes if o.early), None)
    return [w.label for w in first.windows] if first else []
