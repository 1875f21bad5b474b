"""The navigation badge counts every feed's open alerts in one statement (the badge runs on
every page), exactly as a COUNT per feed would, zeros included; a statement that fails
names the feeds it counted."""

from __future__ import annotations

import pytest
from django.db.models import Q

from ketamine_care.accounts.models import Clinic
from ketamine_care.core import alert_feed
from ketamine_care.core.alert_feed import AlertCount, CountQuery


@pytest.fixture
def only_test_feeds(monkeypatch):
    monkeypatch.setattr(alert_feed, "_FEEDS", {})


def _no_items(membership, **kwargs):
    return []


@pytest.fixture
def clinics(db):
    for name in ("Alder", "Ash", "Birch", "Cedar"):
        Clinic.objects.create(name=name)
    return Clinic.objects.filter(name__in=("Alder", "Ash", "Birch", "Cedar"))


@pytest.mark.usefixtures("only_test_feeds")
def test_every_feed_is_counted_in_one_statement_as_a_count_per_feed_would(
    clinics, django_assert_num_queries
):
    feeds = {
        "a-words": CountQuery(clinics, urgent=Q(name__startswith="A")),
        "all-urgent": CountQuery(clinics.filter(name__in=("Birch", "Cedar")), all_urgent=True),
        "none-urgent": CountQuery(clinics.filter(name="Cedar")),
        "nothing-open": CountQuery(clinics.filter(name="Nowhere"), urgent=Q(name="Nowhere")),
        "no-query": AlertCount(5, 1),  # a role that may not see them, or a count kept aside
    }
    for name, counted in feeds.items():
        alert_feed.register_feed(name, items=_no_items, count=lambda m, c=counted: c)
    with django_assert_num_queries(1):
        count = alert_feed.badge("membership")
    # One COUNT a feed, as the feeds counted before.
    assert count == AlertCount(total=4 + 2 + 1 + 0 + 5, urgent=2 + 2 + 0 + 0 + 1)


@pytest.mark.usefixtures("only_test_feeds")
def test_no_statement_when_no_feed_needs_one(db, django_assert_num_queries):
    alert_feed.register_feed("a", items=_no_items, count=lambda m: AlertCount())
    alert_feed.register_feed("b", items=_no_items, count=lambda m: AlertCount(2, 2))
    with django_assert_num_queries(0):
        assert alert_feed.badge("membership") == AlertCount(2, 2)


@pytest.mark.usefixtures("only_test_feeds")
def test_a_count_that_fails_in_the_database_names_the_feeds_it_counted(clinics):
    broken = clinics.extra(where=["no_such_column = 1"])  # noqa: S610 (a fixed test text)
    alert_feed.register_feed("fine", items=_no_items, count=lambda m: CountQuery(clinics))
    alert_feed.register_feed("broken", items=_no_items, count=lambda m: CountQuery(broken))
    with pytest.raises(alert_feed.FeedFailed, match="'broken', 'fine'") as caught:
        alert_feed.badge("membership")
    assert [feed.name for feed in caught.value.feeds] == ["broken", "fine"]
