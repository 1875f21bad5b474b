"""What surveillance is due: the shipped schedules, never-done items, grace, exposure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core.bibliography import sources
from ketamine_care.protocols.definition_surveillance import Surveillance
from ketamine_care.protocols.library import UnknownProtocol, list_protocol_ids, load_definition
from ketamine_care.surveillance.exposure import Dose
from ketamine_care.surveillance.schedule import (
    DEFAULT_NOTE,
    DueItem,
    default_schedule,
    due_items,
    schedule_for,
    schedule_in_use,
    surveillance_due,
)

TODAY = date(2026, 11, 29)
TRD = "esketamine-trd-label"
REQUIRED = {
    "bladder_review",
    "liver_tests",
    "cognitive_screen",
    "misuse_review",
    "exposure_review",
}


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def weekly(weeks: int, mg: float | None = 84.0) -> list[Dose]:
    return [Dose(ago(7 * w), mg) for w in range(weeks)]


def block(**interval) -> Surveillance:
    values = {"start_after_days": 0, "every_days": 90, "grace_days": 14, **interval}
    return Surveillance.model_validate(
        {
            "items": [
                {
                    "key": "bladder_review",
                    "label": "Bladder-symptom review",
                    "reason": "Monitor bladder symptoms",
                    "source": "[@spravato-uspi §5]",
                    "evidence": "FDA-LABEL",
                    "interval": {
                        **values,
                        "source": "[@ketamine-care-defaults]",
                        "evidence": "INSTITUTIONAL",
                    },
                }
            ],
            "exposure_thresholds": {
                "source": "[@ketamine-care-defaults]",
                "evidence": "INSTITUTIONAL",
            },
        }
    )


SINGLE_EPISODES = {"ed-procedural-sedation", "ed-severe-agitation", "pediatric-procedural-sedation"}


def _without_item_sources(block: Surveillance) -> dict:
    data = block.model_dump(mode="json")
    for item in data["items"]:
        item.pop("source")
    return data


def test_every_repeated_dosing_protocol_carries_the_schedule_and_single_episodes_none():
    default = _without_item_sources(default_schedule())
    for protocol_id in list_protocol_ids():
        definition = load_definition(protocol_id)
        if protocol_id in SINGLE_EPISODES:
            assert definition.schedule.kind == "single_episode"
            assert definition.surveillance is None
            continue
        assert definition.schedule.kind == "course", protocol_id
        # The schedule shipped at 1.1.0; later corrections keep it.
        assert tuple(map(int, definition.version.split("."))) >= (1, 1, 0), protocol_id
        keys = {item.key for item in definition.surveillance.items}
        assert REQUIRED | {"urine_drug_screen"} == keys
        # The same checks, intervals and thresholds everywhere (only a source's words differ).
        assert _without_item_sources(definition.surveillance) == default, protocol_id
    assert schedule_for("ed-procedural-sedation") is None
    assert (
        surveillance_due("ed-procedural-sedation", doses=weekly(52), last_done={}, today=TODAY)
        == []
    )


def test_a_course_protocol_without_a_schedule_fails_safe_to_the_default_one():
    definition = load_definition("iv-ketamine-trd").model_copy(update={"surveillance": None})
    used = schedule_in_use(definition)
    assert used.default and used.block == default_schedule()
    due = due_items(used.block, doses=weekly(52), last_done={}, today=TODAY, default=True)
    assert {d.key for d in due} == REQUIRED
    assert all(d.status == "overdue" and d.reason.endswith(DEFAULT_NOTE) for d in due)
    # The same checks and dates as a protocol's own schedule, only the reason says more.
    own = due_items(schedule_for(TRD), doses=weekly(52), last_done={}, today=TODAY)
    assert [(d.key, d.due_on, d.status) for d in own] == [(d.key, d.due_on, d.status) for d in due]
    assert not any(DEFAULT_NOTE in d.reason for d in own)


def test_only_a_single_episode_of_care_goes_without_surveillance():
    single = load_definition("ed-procedural-sedation")
    assert single.schedule.kind == "single_episode"
    assert schedule_in_use(single).block is None
    # A schedule of its own is followed as it is, never replaced by the default.
    own = load_definition(TRD)
    assert schedule_in_use(own).block == own.surveillance and not schedule_in_use(own).default


def test_every_schedule_cites_the_bibliography_and_labels_its_interval():
    known = sources()
    for protocol_id in [*list_protocol_ids(), None]:
        schedule = schedule_for(protocol_id) if protocol_id else default_schedule()
        for item in schedule.items if schedule else []:
            assert item.interval.evidence == "INSTITUTIONAL" and item.interval.editable
            assert "[@ketamine-care-defaults]" in item.interval.source
            due = surveillance_due(
                protocol_id or TRD,
                doses=weekly(1),
                last_done={},
                today=TODAY,
                schedule=schedule.model_copy(
                    update={"items": [item.model_copy(update={"required": True})]}
                ),
            )
            assert due[0].source.split(" ")[0] in known


def test_a_new_maintenance_patient_has_every_required_check_due_never_done():
    due = surveillance_due(TRD, doses=weekly(1), last_done={}, today=TODAY)
    assert {d.key for d in due} == REQUIRED  # the urine drug screen only where the clinic asks
    assert all(d.status == "due" and d.due_on == TODAY for d in due)
    bladder = next(d for d in due if d.key == "bladder_review")
    assert bladder.source == "spravato-uspi §5"
    assert "never recorded" in bladder.reason
    assert bladder.as_dict() == {
        "key": "bladder_review",
        "label": "Bladder-symptom review",
        "due_on": TODAY.isoformat(),
        "status": "due",
        "reason": bladder.reason,
        "source": "spravato-uspi §5",
    }


def test_no_doses_nothing_due_and_unknown_protocols_are_named():
    assert surveillance_due(TRD, doses=[], last_done={}, today=TODAY) == []
    # a planned (future) dose does not start the schedule
    assert (
        surveillance_due(
            TRD, doses=[Dose(TODAY + timedelta(days=1), 56)], last_done={}, today=TODAY
        )
        == []
    )
    with pytest.raises(UnknownProtocol, match="valid ids"):
        surveillance_due("nope", doses=weekly(1), last_done={}, today=TODAY)


@pytest.mark.parametrize(
    ("last_days_ago", "expected"),
    [
        (89, None),  # due tomorrow: not listed
        (90, ("due", 0)),  # due today
        (104, ("due", 14)),  # last day of grace
        (105, ("overdue", 15)),  # overdue the day after
    ],
)
def test_bladder_review_edges(last_days_ago, expected):
    last = {key: TODAY for key in REQUIRED} | {"bladder_review": ago(last_days_ago)}
    due = surveillance_due(TRD, doses=weekly(30), last_done=last, today=TODAY)
    if expected is None:
        assert due == []
        return
    (item,) = due
    assert (item.key, item.status, item.due_on) == ("bladder_review", expected[0], ago(expected[1]))
    assert ("overdue since" in item.reason) is (expected[0] == "overdue")


def test_sorted_by_due_date_then_key():
    last = {"bladder_review": ago(120), "misuse_review": ago(100), "liver_tests": ago(200)}
    due = surveillance_due(TRD, doses=weekly(40), last_done=last, today=TODAY)
    assert due == sorted(due, key=lambda d: (d.due_on, d.key))
    assert due[0].due_on == ago(273)  # never done since the first dose 39 weeks ago


def test_the_urine_drug_screen_is_due_where_the_clinic_asks():
    shipped = schedule_for(TRD)
    asked = shipped.model_copy(
        update={"items": [i.model_copy(update={"required": True}) for i in shipped.items]}
    )
    due = surveillance_due(TRD, doses=weekly(2), last_done={}, today=TODAY, schedule=asked)
    assert "urine_drug_screen" in {d.key for d in due}


def test_exposure_thresholds_bring_the_exposure_review_forward():
    last = {key: ago(3) for key in REQUIRED}
    doses = [Dose(ago(d), 84.0) for d in range(0, 20, 2)]  # 10 sessions in 20 days
    assert surveillance_due(TRD, doses=doses, last_done=last, today=TODAY) == []  # unset
    due = surveillance_due(
        TRD,
        doses=doses,
        last_done=last,
        today=TODAY,
        exposure_thresholds={"sessions_last_30_days": 10, "mg_last_30_days": 10000},
    )
    (item,) = due
    assert item.key == "exposure_review" and item.due_on == TODAY and item.status == "due"
    assert "10 sessions in 30 days (threshold 10)" in item.reason
    with pytest.raises(ValueError, match="unknown exposure threshold"):
        surveillance_due(
            TRD, doses=doses, last_done=last, today=TODAY, exposure_thresholds={"x": 1}
        )


def test_a_threshold_crossed_long_ago_and_never_reviewed_is_overdue():
    doses = [Dose(ago(d), 100.0) for d in (300, 299, 298)]
    due = surveillance_due(
        TRD,
        doses=doses,
        last_done={"exposure_review": ago(299)},
        today=TODAY,
        exposure_thresholds={"mg_last_30_days": 250},
    )
    exposure = next(d for d in due if d.key == "exposure_review")
    assert exposure.due_on == ago(298) and exposure.status == "overdue"


days = st.integers(0, 400)


@given(first=days, start=st.integers(0, 200), today_after=st.integers(0, 600))
def test_an_item_never_done_is_due_once_its_schedule_starts(first, start, today_after):
    today = ago(first) + timedelta(days=today_after)
    due = surveillance_due(
        TRD,
        doses=[Dose(ago(first), 56)],
        last_done={},
        today=today,
        schedule=block(start_after_days=start),
    )
    if today_after >= start:
        assert [d.key for d in due] == ["bladder_review"]
        assert due[0].due_on == ago(first) + timedelta(days=start)
    else:
        assert due == []


@given(every=st.integers(1, 365), grace=st.integers(0, 60), offset=st.integers(-30, 120))
def test_overdue_only_after_its_grace(every, grace, offset):
    last = ago(500)
    today = last + timedelta(days=every + offset)
    due = surveillance_due(
        TRD,
        doses=[Dose(ago(600), 56)],
        last_done={"bladder_review": last},
        today=today,
        schedule=block(every_days=every, grace_days=grace),
    )
    if offset < 0:
        assert due == []
    else:
        (item,) = due
        assert isinstance(item, DueItem)
        assert item.status == ("overdue" if offset > grace else "due")


@given(
    doses=st.lists(
        st.builds(Dose, day=days.map(ago), mg=st.floats(0, 100)), min_size=1, max_size=20
    )
)
def test_results_are_never_in_the_future_and_always_sorted(doses):
    due = surveillance_due(
        TRD,
        doses=doses,
        last_done={},
        today=TODAY,
        exposure_thresholds={"sessions_last_30_days": 3},
    )
    assert all(d.due_on <= TODAY for d in due)
    assert due == sorted(due, key=lambda d: (d.due_on, d.key))


dose_lists = st.lists(
    st.builds(Dose, day=days.map(ago), mg=st.none() | st.floats(0, 100)), min_size=1, max_size=15
)


@given(doses=dose_lists, extra=dose_lists, last=st.integers(0, 400))
def test_more_doses_never_delay_or_remove_a_due_check(doses, extra, last):
    last_done = {key: ago(last) for key in ("bladder_review", "exposure_review")}
    thresholds = {"sessions_last_30_days": 4, "mg_last_365_days": 500}
    before = surveillance_due(
        TRD, doses=doses, last_done=last_done, today=TODAY, exposure_thresholds=thresholds
    )
    after = surveillance_due(
        TRD, doses=doses + extra, last_done=last_done, today=TODAY, exposure_thresholds=thresholds
    )
    after_by_key = {d.key: d for d in after}
    for item in before:
        assert item.key in after_by_key
        assert after_by_key[item.key].due_on <= item.due_on
