"""`{{ when|clinic_time }}`: one human format for a moment on every clinical screen and in
signed notes ("29 Nov 2026, 14:05" in the clinic's time zone). It takes a datetime or the
ISO text a signed summary stores; anything else is shown as it is."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def clinic_time(value) -> str:
    if value in (None, "", "None"):
        return ""
    when = value
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(when, datetime):
        return str(value)
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    return f"{when.day} {when:%b %Y, %H:%M}"
