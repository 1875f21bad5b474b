"""The section registry (`core/sections.py`): order, replacement by name, sections not shown
to a user, and a failing section that fails its page instead of vanishing."""

from __future__ import annotations

import pytest

from ketamine_care.core import sections

PAGE = "test_page"


@pytest.fixture(autouse=True)
def _clean_page():
    yield
    for item in sections.sections(PAGE):
        sections.unregister_section(PAGE, item.name)


def register(name: str, order: int, context=lambda request, obj: {"obj": obj}):
    return sections.register_section(
        PAGE, name, template=f"{name}.html", context=context, order=order
    )


def test_sections_come_in_order_then_by_name():
    register("late", 30)
    register("b_early", 10)
    register("a_early", 10)
    assert [s.name for s in sections.sections(PAGE)] == ["a_early", "b_early", "late"]


def test_registering_a_name_again_replaces_the_section():
    # ready() may run more than once (test runners, reloads): no duplicate sections.
    register("one", 10)
    register("one", 5, context=lambda request, obj: {"second": True})
    (only,) = sections.sections(PAGE)
    assert only.order == 5
    assert sections.gather(PAGE, None, "x")[0].context == {"second": True}


def test_a_section_not_shown_to_this_user_is_left_out():
    register("shown", 10)
    register("hidden", 20, context=lambda request, obj: None)
    shown = sections.gather(PAGE, None, "patient")
    assert [s.section.name for s in shown] == ["shown"]
    assert shown[0].context == {"obj": "patient"}


def test_a_failing_section_fails_the_page_and_names_itself():
    def broken(request, obj):
        raise ZeroDivisionError("bad data")

    register("fine", 10)
    register("broken", 20, context=broken)
    with pytest.raises(sections.SectionFailed, match="'broken'") as failed:
        sections.gather(PAGE, None, "patient")
    assert failed.value.section.name == "broken"
    assert isinstance(failed.value.__cause__, ZeroDivisionError)


def test_an_unknown_section_is_a_lookup_error():
    with pytest.raises(LookupError):
        sections.section(PAGE, "nothing")
    assert sections.sections("no_such_page") == []
