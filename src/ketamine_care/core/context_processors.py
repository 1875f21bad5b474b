"""The navigation's alert badge: the clinic's open alerts, counted only when a page shows it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from ketamine_care.core.alert_feed import badge


def alert_badge(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    # Lazy: a partial (the floor's refresh every 15 s) never renders the navigation.
    return {"alert_badge": SimpleLazyObject(lambda: badge(membership))}
