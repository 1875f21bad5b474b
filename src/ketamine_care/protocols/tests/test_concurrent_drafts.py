"""Two medical directors (or two tabs) save a draft of one protocol at the same moment: both
get a draft of their own, numbered one after the other, and neither sees an error.

Without the protocol's row lock both saves would take the same next version number and the
second would break the unique constraint (how the saves are raced: `races.py`).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from ketamine_care.accounts.models import User
from ketamine_care.audit.models import AuditEvent
from ketamine_care.protocols import services
from ketamine_care.protocols.models import ProtocolVersion, VersionSource, VersionStatus
from ketamine_care.protocols.tests.races import directors, logged_in, race, two_directors
from ketamine_care.protocols.tests.test_update import newer_trd, shipping

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULT = "dose.iv.default"


def _drafts() -> list[ProtocolVersion]:
    return list(ProtocolVersion.objects.filter(status=VersionStatus.DRAFT).order_by("version"))


def _edit(active_pk: int, director: User, value: float) -> Callable[[], str]:
    def save() -> str:
        active = ProtocolVersion.objects.select_related("clinic_protocol__clinic").get(pk=active_pk)
        services.create_draft(from_version=active, edits={DEFAULT: value}, actor=director)
        return f"draft {value}"

    return save


def test_two_drafts_saved_at_the_same_moment_are_two_drafts(_audit_guard_lifted_for_flush):
    first, second, active = directors()

    outcomes = race([_edit(active.pk, first, 0.75), _edit(active.pk, second, 0.6)])

    assert sorted(outcomes) == ["draft 0.6", "draft 0.75"]
    drafts = _drafts()
    assert [d.version for d in drafts] == [2, 3]
    assert {d.definition["dose"]["iv"]["default"] for d in drafts} == {0.75, 0.6}
    assert {d.created_by for d in drafts} == {first, second}
    for draft in drafts:  # the definition's label names the number the draft was given
        assert draft.parsed().version.endswith(f"+clinic.{draft.version}")
        assert draft.based_on_id == active.pk
    assert AuditEvent.objects.filter(event_type="protocol.draft_created").count() == 2


def test_an_edit_and_an_update_from_the_library_at_the_same_moment_are_two_drafts(
    _audit_guard_lifted_for_flush,
):
    first, second, active = directors()

    def update() -> str:
        version = ProtocolVersion.objects.select_related("clinic_protocol__clinic").get(
            pk=active.pk
        )
        services.create_update_draft(from_version=version, keep=[], actor=second)
        return "update"

    with shipping(newer_trd()):
        outcomes = race([_edit(active.pk, first, 0.75), update])

    assert sorted(outcomes) == ["draft 0.75", "update"]
    drafts = _drafts()
    assert [d.version for d in drafts] == [2, 3]
    by_source = {d.source: d for d in drafts}
    assert set(by_source) == {VersionSource.EDITED, VersionSource.UPDATED}
    edited = by_source[VersionSource.EDITED]
    assert edited.parsed().version.endswith(f"+clinic.{edited.version}")
    assert by_source[VersionSource.UPDATED].parsed().version == "9.0.0"  # nothing carried


def _form_as_shown(form) -> dict:
    """What a browser posts back for `form` unchanged (an unticked box is not sent)."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = field.prepare_value(value)
    return data


def test_the_page_and_the_api_each_save_their_draft_at_the_same_moment(
    _audit_guard_lifted_for_flush,
):
    first, second, _active = directors()
    page, api = logged_in(first), logged_in(second)
    url = reverse("protocols:new_draft", args=["iv-ketamine-trd"])
    data = _form_as_shown(page.get(url).context["form"]) | {
        "dose__iv__default": "0.75",
        "confirm": "1",
    }

    def from_the_page() -> str:
        response = page.post(url, data)
        return f"page {response.status_code}"

    def from_the_api() -> str:
        response = api.post(
            "/api/v1/protocols/iv-ketamine-trd/drafts",
            {"edits": {DEFAULT: 0.6}, "note": "lower start"},
            content_type="application/json",
        )
        return f"api {response.status_code} {response.json().get('version')}"

    outcomes = race([from_the_page, from_the_api])

    assert "page 302" in outcomes, outcomes
    assert any(o.startswith("api 201 ") for o in outcomes), outcomes
    assert [d.version for d in _drafts()] == [2, 3]
    numbered = {d.definition["dose"]["iv"]["default"]: d.version for d in _drafts()}
    api_version = next(o for o in outcomes if o.startswith("api")).split()[-1]
    assert str(numbered[0.6]) == api_version


def test_two_activations_at_the_same_moment_one_wins_the_other_is_told_why(
    _audit_guard_lifted_for_flush,
):
    _clinic, first, second = two_directors()
    page, api = logged_in(first), logged_in(second)
    url = reverse("protocols:activate", args=["iv-ketamine-trd"])
    values = {"monitoring.min_observation_min": 60, "monitoring.discharge.cadss_threshold": None}
    form = {path.replace(".", "__"): value or "" for path, value in values.items()}

    def from_the_page() -> str:
        response = page.post(url, form | {"confirm": "1"})
        if response.status_code != 422:
            return f"page {response.status_code}"
        return f"page 422 {' '.join(response.context['form'].non_field_errors())}"

    def from_the_api() -> str:
        response = api.post(
            "/api/v1/protocols/iv-ketamine-trd/activate",
            {"clinic_values": values},
            content_type="application/json",
        )
        return f"api {response.status_code} {response.json().get('message', '')}"

    outcomes = sorted(race([from_the_page, from_the_api]))

    assert ProtocolVersion.objects.filter(status=VersionStatus.ACTIVE).count() == 1
    won = {"api 201 ", "page 302"} & set(outcomes)
    assert len(won) == 1, outcomes
    refused = next(o for o in outcomes if o not in won)
    assert refused.startswith(("api 409 iv-ketamine-trd", "page 422 iv-ketamine-trd")), outcomes
    assert "activated" in refused
