"""One feed of the clinic's open safety alerts, filled by the apps that raise them.

Vital-sign and serious-adverse-event alerts belong to `treatment_sessions`, questionnaire
safety alerts to `outcomes`; the *Safety alerts* page (`outcomes`), the navigation badge and
the patient banner (`core`) show them together. Dependencies point down, so each raising app
registers a feed here from its `AppConfig.ready()`, as chart sections register in
`core.sections`, and the readers gather whatever is registered.

A feed is two functions of the user's membership (its clinic and role):

* `items(membership, *, status, patient, limit)` returns `AlertItem`s of that clinic only,
  newest first, at most `limit`; an empty list when the role may not see them. `status` is
  "open", "acknowledged" or "all"; `patient`, when given, keeps that patient's alerts.
* `count(membership)` says how to count the open alerts: a `CountQuery` (the open alerts'
  rows, and which of them are urgent), or an `AlertCount` when no query is needed (a role
  that may not see them). The badge runs on every page, so `badge` counts every feed's
  `CountQuery` in one statement, not one COUNT a feed.

A feed that fails fails the page (`FeedFailed`, naming it): a banner that silently lost the
vital-sign alerts would read as "no alerts". Grouping and ordering are pure functions below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connections
from django.db.models import Count, Q, QuerySet, Value

# The severity tiers every feed maps its own onto, most urgent first.
URGENT, WARNING, INFO = "urgent", "warning", "info"
TIERS = (URGENT, WARNING, INFO)
TIER_WORDS = {URGENT: "Urgent", WARNING: "Warning", INFO: "For information"}

# What raised the alert, in the clinic's words.
VITAL_SIGNS = "vital_signs"
QUESTIONNAIRE = "questionnaire"
SERIOUS_ADVERSE_EVENT = "serious_adverse_event"
SURVEILLANCE = "surveillance"
THERAPY_RISK_CHECK = "therapy_risk_check"
KIND_WORDS = {
    VITAL_SIGNS: "Vital signs",
    QUESTIONNAIRE: "Questionnaire",
    SERIOUS_ADVERSE_EVENT: "Serious adverse event",
    SURVEILLANCE: "Long-term surveillance",
    THERAPY_RISK_CHECK: "Therapist's risk check",
}
STATUSES = ("open", "acknowledged", "all")
# At most this many alerts a feed on one reading; a page that reaches it says so.
OPEN_LIMIT = 500


@dataclass(frozen=True)
class AlertItem:
    """One alert as every reader shows it."""

    key: str  # unique across feeds (the feed's name and the row's public id)
    patient: Any  # the Patient row (its public_id, names and mrn are shown)
    kind: str
    rule: str  # the raising rule: alerts of one rule for one patient group together
    tier: str
    words: str  # the alert text a nurse can act on
    raised_at: datetime
    link: str  # where the alert is seen in context (the session, the chart)
    is_open: bool = True
    action_url: str = ""  # acknowledge or resolve; blank when this role may not
    action_label: str = "Acknowledge…"
    detail: str = ""  # the task or the action asked for
    resolution: str = ""  # the acknowledgement's note, once acknowledged
    tags: frozenset[str] = frozenset()  # what a reader may need to know (e.g. "suicidality")

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"alert {self.key}: tier {self.tier!r} (allowed: {TIERS})")
        if self.kind not in KIND_WORDS:
            raise ValueError(f"alert {self.key}: unknown kind {self.kind!r}")

    @property
    def tier_words(self) -> str:
        return TIER_WORDS[self.tier]

    @property
    def kind_words(self) -> str:
        return KIND_WORDS[self.kind]


@dataclass(frozen=True)
class AlertGroup:
    """The open alerts of one rule for one patient: one row with a count."""

    items: tuple[AlertItem, ...]  # newest first

    @property
    def latest(self) -> AlertItem:
        return self.items[0]

    @property
    def first(self) -> AlertItem:
        return self.items[-1]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def tier(self) -> str:
        return min((item.tier for item in self.items), key=TIERS.index)

    @property
    def tier_words(self) -> str:
        return TIER_WORDS[self.tier]

    @property
    def first_raised_at(self) -> datetime:
        return self.first.raised_at

    @property
    def latest_raised_at(self) -> datetime:
        return self.latest.raised_at

    @property
    def tags(self) -> frozenset[str]:
        return frozenset().union(*(item.tags for item in self.items))

    @property
    def is_open(self) -> bool:
        return any(item.is_open for item in self.items)

    # The rest is the latest alert's: its patient, words, link and acknowledge link.
    patient = property(lambda self: self.latest.patient)
    kind = property(lambda self: self.latest.kind)
    kind_words = property(lambda self: self.latest.kind_words)
    rule = property(lambda self: self.latest.rule)
    words = property(lambda self: self.latest.words)
    detail = property(lambda self: self.latest.detail)
    link = property(lambda self: self.latest.link)
    action_url = property(lambda self: self.latest.action_url)
    action_label = property(lambda self: self.latest.action_label)


@dataclass(frozen=True)
class AlertCount:
    total: int = 0
    urgent: int = 0

    def __add__(self, other: AlertCount) -> AlertCount:
        return AlertCount(self.total + other.total, self.urgent + other.urgent)


@dataclass(frozen=True)
class CountQuery:
    """A feed's open alerts to count: `rows` (already scoped to the clinic), of which those
    matching `urgent` are urgent (`all_urgent`: every one is)."""

    rows: QuerySet
    urgent: Q | None = None
    all_urgent: bool = False


ItemsFunction = Callable[..., Sequence[AlertItem]]
CountFunction = Callable[[Any], "AlertCount | CountQuery"]


@dataclass(frozen=True)
class Feed:
    name: str
    items: ItemsFunction
    count: CountFunction


class FeedFailed(RuntimeError):
    def __init__(self, feed: Feed, *others: Feed):
        self.feeds = (feed, *others)
        names = ", ".join(repr(f.name) for f in self.feeds)
        super().__init__(f"The alert feed{'s' if others else ''} {names} could not be read.")
        self.feed = feed


_FEEDS: dict[str, Feed] = {}


def newest(alerts, *, status: str, patient, limit: int, related: Sequence[str] = ()) -> list:
    """A feed's rows for `items`: `alerts` is already scoped to the clinic and has `status`,
    `patient` and `created_at` fields; filtered by status ("all" keeps every one) and patient,
    newest first, at most `limit`, with the patient (and `related`) joined."""
    if status != "all":
        alerts = alerts.filter(status=status)
    if patient is not None:
        alerts = alerts.filter(patient=patient)
    alerts = alerts.select_related("patient", *related).order_by("-created_at", "-id")
    return list(alerts[:limit])


def register_feed(name: str, *, items: ItemsFunction, count: CountFunction) -> Feed:
    """Add (or replace, by name) a feed of alerts; call from `AppConfig.ready()`."""
    feed = Feed(name=name, items=items, count=count)
    _FEEDS[name] = feed
    return feed


def unregister_feed(name: str) -> None:
    _FEEDS.pop(name, None)


def feeds() -> list[Feed]:
    return [_FEEDS[name] for name in sorted(_FEEDS)]


def _call(feed: Feed, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Exception as exc:
        raise FeedFailed(feed) from exc


def gather(membership, *, status: str = "open", patient=None, limit: int = OPEN_LIMIT) -> list:
    """Every feed's alerts for the membership's clinic, newest first, at most `limit`."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r} (allowed: {STATUSES})")
    items: list[AlertItem] = []
    for feed in feeds():
        kwargs = {"status": status, "patient": patient, "limit": limit}
        items.extend(_call(feed, feed.items, membership, **kwargs))
    return newest_first(items)[:limit]


def open_groups(membership, *, patient=None) -> list[AlertGroup]:
    """The open alerts grouped by patient and rule, the most urgent and oldest first."""
    return by_severity_and_age(group(gather(membership, status="open", patient=patient)))


def badge(membership) -> AlertCount:
    """The open alerts of the membership's clinic that its role may see: every feed's
    `CountQuery` counted in one statement (none when no feed needs one)."""
    total = AlertCount()
    queries: list[tuple[Feed, CountQuery]] = []
    for feed in feeds():
        counted = _call(feed, feed.count, membership)
        if isinstance(counted, CountQuery):
            queries.append((feed, counted))
        else:
            total = total + counted
    return total + _count_all(queries) if queries else total


def _count_all(queries: list[tuple[Feed, CountQuery]]) -> AlertCount:
    """One SELECT of each query's (total, urgent), side by side: each is an aggregate
    without GROUP BY (the grouping key is a constant, which Django leaves out), so each
    gives exactly one row, zeros when nothing is open."""
    using = queries[0][1].rows.db
    connection = connections[using]
    parts, params = [], []
    for n, (_feed, query) in enumerate(queries):
        urgent = Count("pk") if query.all_urgent else Count("pk", filter=query.urgent or Q(pk=None))
        counts = (
            query.rows.order_by()
            .annotate(_feed=Value(n))
            .values("_feed")
            .annotate(total=Count("pk"), urgent=urgent)
            .values_list("total", "urgent")
        )
        sql, more = counts.query.get_compiler(using=using).as_sql()
        parts.append(f"({sql}) AS {connection.ops.quote_name(f'feed{n}')}")
        params.extend(more)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM " + " CROSS JOIN ".join(parts), params)  # noqa: S608 (compiled)
            row = cursor.fetchone()
    except DatabaseError as exc:
        raise FeedFailed(*(feed for feed, _query in queries)) from exc
    return AlertCount(sum(row[0::2]), sum(row[1::2]))


def newest_first(items: Iterable[AlertItem]) -> list[AlertItem]:
    return sorted(items, key=lambda item: (item.raised_at, item.key), reverse=True)


def group(items: Iterable[AlertItem]) -> list[AlertGroup]:
    """One group per (patient, kind, rule), each newest first."""
    groups: dict[tuple, list[AlertItem]] = {}
    for item in newest_first(items):
        key = (getattr(item.patient, "pk", item.patient), item.kind, item.rule)
        groups.setdefault(key, []).append(item)
    return [AlertGroup(tuple(members)) for members in groups.values()]


def by_severity_and_age(groups: Iterable[AlertGroup]) -> list[AlertGroup]:
    """Most urgent tier first; within a tier the alert waiting longest first."""
    return sorted(groups, key=lambda g: (TIERS.index(g.tier), g.first.raised_at, g.first.key))
