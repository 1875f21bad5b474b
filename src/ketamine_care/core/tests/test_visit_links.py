"""The planned-visit registry: one call per list of visits, nothing without a provider, and a
provider's failure fails the page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ketamine_care.core import visit_links
from ketamine_care.core.visit_links import VisitLink


@pytest.fixture
def provider():
    saved = list(visit_links._PROVIDER)
    yield
    visit_links._PROVIDER[:] = saved


def visits(*pks):
    return [SimpleNamespace(pk=pk) for pk in pks]


def test_without_a_provider_visits_have_no_link(provider):
    visit_links.unregister_visit_links()
    shown = visit_links.attach_links(None, visits(1, 2))
    assert [v.link for v in shown] == [None, None]
    assert visit_links.actions_template() is None


def test_the_provider_answers_for_the_whole_list_at_once(provider):
    calls = []

    def find(request, rows):
        calls.append([v.pk for v in rows])
        return {1: VisitLink("done", "Done"), 2: VisitLink("missed", "Missed (no-show)")}

    visit_links.register_visit_links(template="x.html", find=find)
    shown = visit_links.attach_links("request", visits(1, 2, 3))
    assert calls == [[1, 2, 3]]
    assert [(v.link.tone if v.link else None) for v in shown] == ["ok", "danger", None]
    assert visit_links.actions_template() == "x.html"


def test_a_failing_provider_fails_the_page(provider):
    def find(request, rows):
        raise RuntimeError("database down")

    visit_links.register_visit_links(template="x.html", find=find)
    with pytest.raises(RuntimeError):
        visit_links.attach_links(None, visits(1))
