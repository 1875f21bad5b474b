"""Bad answer sets raise AnswerError naming the item and its allowed values."""

from __future__ import annotations

import pytest

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.scoring import AnswerError, validate_answers


@pytest.mark.parametrize(
    "code,answers,item_id,fragment",
    [
        ("phq9", [0] * 8 + [4], "phq9_9", "item 9 (phq9_9"),
        ("phq9", [-1] + [0] * 8, "phq9_1", "one of 0, 1, 2, 3"),
        ("phq9", ["x"] + [0] * 8, "phq9_1", "got 'x'"),
        ("phq9", [1.5] + [0] * 8, "phq9_1", "got 1.5"),
        ("audit", [0] * 8 + [1, 0], "audit_9", "one of 0, 2, 4"),
        ("audit", [0] * 9 + [3], "audit_10", "one of 0, 2, 4"),
        ("ymrs", [5] + [0] * 10, "ymrs_1", "one of 0, 1, 2, 3, 4"),
        ("ymrs", [0] * 4 + [9] + [0] * 6, "ymrs_5", "0, 1, 2, 3, 4, 5, 6, 7, 8"),
        ("hamd17", [0] * 3 + [3] + [0] * 13, "hamd17_4", "one of 0, 1, 2"),
        ("bprs18", [0] + [1] * 17, "bprs18_1", "one of 1, 2, 3, 4, 5, 6, 7"),
        ("madrs", [7] + [0] * 9, "madrs_1", "one of 0, 1, 2, 3, 4, 5, 6"),
        ("cdrs_r", [16], "cdrs_r_total", "from 17 to 113"),
        ("cgi_s", [0], "cgi_s_rating", "one of 1, 2, 3, 4, 5, 6, 7"),
    ],
)
def test_out_of_range_values_name_item_and_allowed(
    code: str, answers: list[object], item_id: str, fragment: str
) -> None:
    with pytest.raises(AnswerError) as err:
        validate_answers(load_definition(code), answers)  # type: ignore[arg-type]
    assert err.value.item_id == item_id
    assert fragment in err.value.message


def test_too_few_answers_names_the_first_missing_item() -> None:
    with pytest.raises(AnswerError) as err:
        validate_answers(load_definition("gad7"), [0, 0, 0])
    assert err.value.item_id == "gad7_4"
    assert "needs 7 answers" in str(err.value) and "got 3" in str(err.value)


def test_too_many_answers_is_an_error() -> None:
    with pytest.raises(AnswerError, match="extra answers"):
        validate_answers(load_definition("gad7"), [0] * 8)


def test_answer_error_is_a_value_error() -> None:
    assert issubclass(AnswerError, ValueError)


# The whole refusal, as the clinician reads it: which item, by position and id, what is allowed.
COUNT_AND_SKIP_ERRORS = [
    (
        "gad7",
        [0, 0, 0],
        ("gad7_4", "one of 0, 1, 2, 3"),
        "gad7 needs 7 answers in item order, got 3 (first missing: item 4 (gad7_4, Trouble "
        "relaxing), allowed: one of 0, 1, 2, 3)",
    ),
    (
        "gad7",
        [0] * 8,
        ("gad7_7", "one of 0, 1, 2, 3"),
        "gad7 needs 7 answers in item order, got 8 (extra answers after the last item, item 7 "
        "(gad7_7, Afraid something awful might happen), allowed: one of 0, 1, 2, 3)",
    ),
    (
        "phq9",
        [0] * 8 + [4],
        ("phq9_9", "one of 0, 1, 2, 3"),
        "item 9 (phq9_9, Thoughts of being better off dead or self-harm): got 4; allowed: one "
        "of 0, 1, 2, 3",
    ),
    # C-SSRS skip logic [@posner-2011]: a skipped question must be answered 0.
    (
        "cssrs_screener",
        [0, 0, 1, 0, 0, 0, 0],
        ("cssrs_q3", "0"),
        "item 3 (cssrs_q3, Q3 Thoughts of method, without intent or plan (past month)): must "
        "be 0 when cssrs_q2 is 0 (skipped question); got 1",
    ),
    (
        "cssrs_screener",
        [1, 0, 0, 0, 0, 0, 1],
        ("cssrs_q6_recent", "0"),
        "item 7 (cssrs_q6_recent, Q6 follow-up: suicidal behaviour within the past 3 months): "
        "must be 0 when cssrs_q6 is 0 (skipped question); got 1",
    ),
]


@pytest.mark.parametrize("code,answers,named,message", COUNT_AND_SKIP_ERRORS)
def test_each_refusal_names_the_item_its_position_and_what_is_allowed(
    code: str, answers: list[object], named: tuple[str, str], message: str
) -> None:
    with pytest.raises(AnswerError) as err:
        validate_answers(load_definition(code), answers)  # type: ignore[arg-type]
    assert (err.value.item_id, err.value.allowed) == named
    assert err.value.message == str(err.value) == message


TLFB_WINDOW = "1 to 365 days"  # the definition's calendar: min_days 1, max_days 365
TLFB_COUNT = (
    "tlfb needs the sex (tlfb_sex: one of 1, 2 or male, female) then drinks for each day of the "
    "window (tlfb_drinks), 1 to 365 days; got {} days"
)


@pytest.mark.parametrize(
    "answers,named,message",
    [
        ([1], ("tlfb_drinks", TLFB_WINDOW), TLFB_COUNT.format(0)),
        ([1] + [0] * 366, ("tlfb_drinks", TLFB_WINDOW), TLFB_COUNT.format(366)),
        (
            [3, 0],
            ("tlfb_sex", "one of 1, 2"),
            "item 1 (tlfb_sex, Heavy-day line for): got 3; allowed: one of 1, 2",
        ),
        (
            [1, 0, -1],
            ("tlfb_drinks", "a whole number from 0 to 100"),
            "day 2 (tlfb_drinks): got -1; allowed: a whole number from 0 to 100",
        ),
        (
            [2, 0, 0, "x"],
            ("tlfb_drinks", "a whole number from 0 to 100"),
            "day 3 (tlfb_drinks): got 'x'; allowed: a whole number from 0 to 100",
        ),
    ],
)
def test_a_timeline_followback_refusal_names_the_day_or_the_window(
    answers: list[object], named: tuple[str, str], message: str
) -> None:
    with pytest.raises(AnswerError) as err:
        validate_answers(load_definition("tlfb"), answers)  # type: ignore[arg-type]
    assert (err.value.item_id, err.value.allowed) == named
    assert err.value.message == message


@pytest.mark.parametrize("days", [1, 2, 365])
def test_a_timeline_followback_window_of_1_to_365_days_is_accepted(days: int) -> None:
    values = validate_answers(load_definition("tlfb"), [2, *[4] * days])
    assert values == {"tlfb_sex": 2, "tlfb_drinks": [4] * days}


@pytest.mark.parametrize(
    "answers",
    [["female", "0 4"], {"tlfb_sex": "female", "tlfb_drinks": "0 4"}, [2, [0, 4]]],
)
def test_a_timeline_followback_accepts_the_words_and_shapes_a_form_sends(answers) -> None:
    # "female" is the calendar's word for option 2: a heavy-day line of 4 drinks.
    values = validate_answers(load_definition("tlfb"), answers)
    assert values == {"tlfb_sex": 2, "tlfb_drinks": [0, 4]}
