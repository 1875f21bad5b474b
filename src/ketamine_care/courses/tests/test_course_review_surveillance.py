"""The course review's surveillance: the protocol's own schedule, the default schedule for a
course protocol that carries none (never "nothing due"), none for a single episode."""

from __future__ import annotations

from datetime import timedelta

from ketamine_care.courses.history import parse_history
from ketamine_care.courses.review import review_course
from ketamine_care.courses.rules import course_rules
from ketamine_care.courses.tests.builders import START, history_json
from ketamine_care.protocols.library import load_definition
from ketamine_care.surveillance.schedule import DEFAULT_NOTE

REQUIRED = {"bladder_review", "liver_tests", "cognitive_screen", "misuse_review", "exposure_review"}
WEEKLY_YEAR = parse_history(history_json([(0, 30), (357, 10)], [(7 * w, 40) for w in range(52)], 7))


def without_schedule(protocol_id: str):
    return load_definition(protocol_id).model_copy(update={"surveillance": None})


def test_a_course_protocol_without_a_schedule_is_followed_with_the_default_one():
    review = review_course(WEEKLY_YEAR, course_rules(without_schedule("iv-ketamine-trd")))
    assert review.default_schedule
    assert {item.key for item in review.due} == REQUIRED
    assert all(item.status == "overdue" and item.due_on == START for item in review.due)
    assert all(DEFAULT_NOTE in item.reason for item in review.due)
    assert [item["key"] for item in review.as_json()["surveillance_due"]] == [
        item.key for item in review.due
    ]


def test_the_default_schedule_gives_what_the_protocols_own_schedule_gives():
    own = review_course(WEEKLY_YEAR, course_rules(load_definition("iv-ketamine-trd")))
    default = review_course(WEEKLY_YEAR, course_rules(without_schedule("iv-ketamine-trd")))
    assert not own.default_schedule
    assert [(i.key, i.due_on, i.status) for i in own.due] == [
        (i.key, i.due_on, i.status) for i in default.due
    ]
    assert not any(DEFAULT_NOTE in item.reason for item in own.due)


def test_the_review_follows_the_clinics_copy_of_the_schedule():
    definition = load_definition("iv-ketamine-trd")
    block = definition.surveillance
    every_year = [
        item.model_copy(update={"interval": item.interval.model_copy(update={"every_days": 365})})
        for item in block.items
    ]
    edited = definition.model_copy(
        update={"surveillance": block.model_copy(update={"items": every_year})}
    )
    last_done = {key: (START + timedelta(days=100)).isoformat() for key in REQUIRED}
    data = history_json([(0, 30), (357, 10)], [(7 * w, 40) for w in range(52)], 7)
    history = parse_history({**data, "last_done": last_done})
    assert {i.key for i in review_course(history, course_rules(definition)).due} == REQUIRED
    assert review_course(history, course_rules(edited)).due == ()


def test_a_single_episode_of_care_has_no_surveillance():
    rules = course_rules(load_definition("ed-procedural-sedation"))
    assert rules.surveillance.block is None and not rules.surveillance.default
    review = review_course(WEEKLY_YEAR, rules)
    assert review.due == () and not review.default_schedule
