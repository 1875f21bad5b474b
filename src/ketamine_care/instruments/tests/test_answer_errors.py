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
