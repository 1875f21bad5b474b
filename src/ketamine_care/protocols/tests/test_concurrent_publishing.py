"""A draft published twice at once (a double click, two tabs), two drafts of one protocol
published at once by two medical directors, a retirement at the same moment: never an error
page, never a draft published or a version retired twice, one active version at the end.

Publishing follows one rule whatever the timing: the draft becomes the active version and the
version active at that moment is retired, as when the two are published a minute apart. The
audit row of the later one names the version it retired and the version it was drafted from.
How the writes are raced: `races.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from ketamine_care.accounts.models import User
from ketamine_care.audit.models import AuditEvent
from ketamine_care.protocols import services
from ketamine_care.protocols.models import ProtocolVersion, VersionStatus
from ketamine_care.protocols.tests.races import directors, logged_in, race

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULT = "dose.iv.default"
PUBLISHED = "Draft published."
ALREADY_PUBLISHED = "Version 2 is already published: it is the active version."


def _draft(active: ProtocolVersion, director: User, value: float) -> ProtocolVersion:
    return services.create_draft(from_version=active, edits={DEFAULT: value}, actor=director)


def _page(client: Client, version: ProtocolVersion, action: str) -> Callable[[], str]:
    """Press `action` (publish, retire) on the protocol page: the status and what it said."""
    url = reverse(f"protocols:{action}", args=[version.public_id])

    def press() -> str:
        response = client.post(url)
        said = " ".join(str(m) for m in get_messages(response.wsgi_request))
        return f"page {response.status_code} {said}"

    return press


def _api(client: Client, version: ProtocolVersion, action: str) -> Callable[[], str]:
    url = f"/api/v1/protocols/versions/{version.public_id}/{action}"

    def post() -> str:
        response = client.post(url)
        body = response.json()
        return f"api {response.status_code} {body.get('message') or body.get('status')}"

    return post


def _events(event_type: str) -> list[dict]:
    rows = AuditEvent.objects.filter(event_type=event_type).order_by("seq")
    return list(rows.values_list("changes", flat=True))


def _status() -> dict[int, str]:
    return dict(ProtocolVersion.objects.values_list("version", "status"))


@pytest.mark.parametrize(
    "press, published, told",
    [
        (_page, f"page 302 {PUBLISHED}", f"page 302 {ALREADY_PUBLISHED}"),
        (_api, "api 200 active", f"api 409 {ALREADY_PUBLISHED}"),
    ],
    ids=["page", "api"],
)
def test_a_draft_published_twice_at_once_is_published_once_and_the_second_told_so(
    _audit_guard_lifted_for_flush, press, published, told
):
    first, _second, active = directors()
    draft = _draft(active, first, 0.75)
    tab, other_tab = logged_in(first), logged_in(first)  # a double click, two tabs

    outcomes = race([press(tab, draft, "publish"), press(other_tab, draft, "publish")])

    assert sorted(outcomes) == sorted([published, told])
    assert _status() == {1: VersionStatus.RETIRED, 2: VersionStatus.ACTIVE}
    assert [e["retired_version"] for e in _events("protocol.published")] == [1]


def test_two_drafts_published_at_once_the_later_supersedes_the_earlier_and_says_so(
    _audit_guard_lifted_for_flush,
):
    first, second, active = directors()
    mine, theirs = _draft(active, first, 0.75), _draft(active, second, 0.6)
    page, api = logged_in(first), logged_in(second)

    outcomes = race([_page(page, mine, "publish"), _api(api, theirs, "publish")])

    assert sorted(outcomes) == ["api 200 active", f"page 302 {PUBLISHED}"]
    earlier, later = _events("protocol.published")
    assert earlier["retired_version"] == 1
    assert later["retired_version"] == earlier["version"]  # what it superseded
    assert earlier["based_on_version"] == later["based_on_version"] == 1
    assert _status() == {
        1: VersionStatus.RETIRED,
        earlier["version"]: VersionStatus.RETIRED,
        later["version"]: VersionStatus.ACTIVE,
    }


def test_the_active_version_retired_twice_at_once_is_retired_once(
    _audit_guard_lifted_for_flush,
):
    first, second, active = directors()
    page, api = logged_in(first), logged_in(second)

    outcomes = race([_page(page, active, "retire"), _api(api, active, "retire")])

    said = "Version 1 is already retired."
    assert sorted(outcomes) in (
        ["api 200 retired", f"page 302 {said}"],
        [f"api 409 {said}", "page 302 Version retired."],
    ), outcomes
    assert _status() == {1: VersionStatus.RETIRED}
    assert len(_events("protocol.retired")) == 1


def test_a_draft_published_while_the_active_version_is_retired_retires_it_once(
    _audit_guard_lifted_for_flush,
):
    first, second, active = directors()
    draft = _draft(active, first, 0.75)
    page, api = logged_in(first), logged_in(second)

    outcomes = race([_page(page, draft, "publish"), _api(api, active, "retire")])

    assert sorted(outcomes) in (
        ["api 200 retired", f"page 302 {PUBLISHED}"],  # retired first, nothing to supersede
        ["api 409 Version 1 is already retired.", f"page 302 {PUBLISHED}"],
    ), outcomes
    assert _status() == {1: VersionStatus.RETIRED, 2: VersionStatus.ACTIVE}
    superseded = [e["retired_version"] for e in _events("protocol.published")]
    assert superseded + [e["version"] for e in _events("protocol.retired")] in ([1], [None, 1])
