from django import template

register = template.Library()


@register.filter
def as_percent(rate) -> str:
    """0.734 -> "73 %"; None (nothing expected) -> "—"."""
    return "—" if rate is None else f"{round(rate * 100)} %"
