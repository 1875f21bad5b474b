"""The alert feed registry: feeds registered, gathered, grouped and ordered (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ketamine_care.core import alert_feed
from ketamine_care.core.alert_feed import AlertCount, AlertItem

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakePatient:
    pk: int


def item(key, *, patient=1, rule="r", tier="warning", minutes=0, kind="vital_signs", **kw):
    return AlertItem(
        key=key,
        patient=FakePatient(patient),
        kind=kind,
        rule=rule,
        tier=tier,
        words=f"words of {key}",
        raised_at=T0 + timedelta(minutes=minutes),
        link=f"/somewhere/{key}",
        **kw,
    )


@pytest.fixture
def only_test_feeds(monkeypatch):
    """The registry with the test's feeds only; the apps' own feeds come back afterwards."""
    monkeypatch.setattr(alert_feed, "_FEEDS", {})


def test_an_unknown_tier_or_kind_is_refused():
    with pytest.raises(ValueError, match="tier"):
        item("a", tier="critical")
    with pytest.raises(ValueError, match="kind"):
        item("a", kind="phq9_item9")


def test_alerts_of_one_rule_for_one_patient_group_together_with_first_and_latest_times():
    rows = alert_feed.group(
        [
            item("a", minutes=0),
            item("b", minutes=20),
            item("c", minutes=10),
            item("d", patient=2, minutes=5),  # another patient
            item("e", rule="other", minutes=30),  # another rule
            item("f", kind="questionnaire", minutes=40),  # same rule id from another kind
        ]
    )
    by_latest = {row.latest.key: row for row in rows}
    assert set(by_latest) == {"b", "d", "e", "f"}
    grouped = by_latest["b"]
    assert grouped.count == 3
    assert [i.key for i in grouped.items] == ["b", "c", "a"]
    assert grouped.first_raised_at == T0
    assert grouped.latest_raised_at == T0 + timedelta(minutes=20)
    assert grouped.words == "words of b"  # the latest alert's words and links
    assert grouped.link == "/somewhere/b"


def test_a_group_takes_its_worst_tier_and_is_open_while_one_alert_is():
    rows = alert_feed.group(
        [
            item("a", tier="info", minutes=0, is_open=False),
            item("b", tier="urgent", minutes=5),
            item("c", tier="warning", minutes=9, tags=frozenset({"suicidality"})),
        ]
    )
    (row,) = rows
    assert row.tier == "urgent"
    assert row.tier_words == "Urgent"
    assert row.is_open
    assert row.tags == {"suicidality"}


def test_groups_sort_by_severity_then_the_longest_waiting_first():
    rows = alert_feed.by_severity_and_age(
        alert_feed.group(
            [
                item("warning-new", patient=1, tier="warning", minutes=50),
                item("info-old", patient=2, tier="info", minutes=0),
                item("urgent-new", patient=3, tier="urgent", minutes=60),
                item("warning-old", patient=4, tier="warning", minutes=10),
                item("urgent-old", patient=5, tier="urgent", minutes=30),
            ]
        )
    )
    assert [row.latest.key for row in rows] == [
        "urgent-old",
        "urgent-new",
        "warning-old",
        "warning-new",
        "info-old",
    ]


def test_a_group_waits_since_its_first_alert():
    # Patient 1's warnings began at minute 0 and again at 90: it has waited longer than
    # patient 2's single warning at minute 30.
    rows = alert_feed.by_severity_and_age(
        alert_feed.group(
            [
                item("p1-first", patient=1, minutes=0),
                item("p1-again", patient=1, minutes=90),
                item("p2", patient=2, minutes=30),
            ]
        )
    )
    assert [row.latest.key for row in rows] == ["p1-again", "p2"]


@pytest.mark.usefixtures("only_test_feeds")
def test_gather_merges_every_feed_newest_first_and_passes_the_filters():
    calls = []

    def one(membership, *, status, patient, limit):
        calls.append(("one", membership, status, patient, limit))
        return [item("one-a", minutes=5), item("one-b", minutes=1)]

    def two(membership, *, status, patient, limit):
        calls.append(("two", membership, status, patient, limit))
        return [item("two-a", minutes=3)]

    alert_feed.register_feed("one", items=one, count=lambda m: AlertCount(2, 1))
    alert_feed.register_feed("two", items=two, count=lambda m: AlertCount(1, 0))
    found = alert_feed.gather("membership", status="acknowledged", patient="p", limit=2)
    assert [i.key for i in found] == ["one-a", "two-a"]
    assert calls == [
        ("one", "membership", "acknowledged", "p", 2),
        ("two", "membership", "acknowledged", "p", 2),
    ]
    assert alert_feed.badge("membership") == AlertCount(total=3, urgent=1)


@pytest.mark.usefixtures("only_test_feeds")
def test_open_groups_are_the_open_alerts_grouped_and_ordered():
    def feed(membership, *, status, patient, limit):
        assert status == "open"
        return [item("a", tier="warning"), item("b", tier="warning", minutes=2)]

    def urgent(membership, *, status, patient, limit):
        return [item("u", patient=9, rule="x", tier="urgent", minutes=30)]

    alert_feed.register_feed("feed", items=feed, count=lambda m: AlertCount())
    alert_feed.register_feed("urgent", items=urgent, count=lambda m: AlertCount())
    rows = alert_feed.open_groups("membership")
    assert [(row.latest.key, row.count) for row in rows] == [("u", 1), ("b", 2)]


@pytest.mark.usefixtures("only_test_feeds")
def test_a_failing_feed_fails_the_reader_and_is_named():
    def broken(membership, **kwargs):
        raise KeyError("boom")

    alert_feed.register_feed("broken", items=broken, count=broken)
    with pytest.raises(alert_feed.FeedFailed, match="broken"):
        alert_feed.gather("membership")
    with pytest.raises(alert_feed.FeedFailed, match="broken"):
        alert_feed.badge("membership")


@pytest.mark.usefixtures("only_test_feeds")
def test_an_unknown_status_is_refused_and_feeds_are_replaced_by_name():
    alert_feed.register_feed("a", items=lambda m, **k: [item("old")], count=lambda m: AlertCount())
    alert_feed.register_feed("a", items=lambda m, **k: [item("new")], count=lambda m: AlertCount())
    assert [i.key for i in alert_feed.gather("m")] == ["new"]
    with pytest.raises(ValueError, match="status"):
        alert_feed.gather("m", status="pending")
    alert_feed.unregister_feed("a")
    assert alert_feed.gather("m") == []


def test_the_apps_register_their_feeds():
    assert {feed.name for feed in alert_feed.feeds()} >= {"questionnaire", "session"}
