"""C-SSRS screener triage by the Columbia rules [@posner-2011], never a sum."""

from __future__ import annotations

import itertools

import pytest

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.scoring import AnswerError, score


def _valid(a: tuple[int, ...]) -> bool:
    q1, q2, q3, q4, q5, q6, q6_recent = a
    return (q2 == 1 or q3 == q4 == q5 == 0) and (q6 == 1 or q6_recent == 0)


def _columbia(a: tuple[int, ...]) -> str:
    q1, q2, q3, q4, q5, q6, q6_recent = a
    if q4 or q5 or (q6 and q6_recent):
        return "high"
    if q3 or q6:
        return "moderate"
    if q1 or q2:
        return "low"
    return "none"


ALL = list(itertools.product((0, 1), repeat=7))
VALID = [a for a in ALL if _valid(a)]
INVALID = [a for a in ALL if not _valid(a)]


@pytest.mark.parametrize("answers", VALID, ids=lambda a: "".join(map(str, a)))
def test_triage_truth_table(answers: tuple[int, ...]) -> None:
    result = score(load_definition("cssrs_screener"), answers)
    assert result.risk == _columbia(answers)
    assert result.total is None and result.band is None
    assert result.flags == (() if result.risk == "none" else ("suicidality",))


@pytest.mark.parametrize("answers", INVALID, ids=lambda a: "".join(map(str, a)))
def test_skipped_questions_must_be_zero(answers: tuple[int, ...]) -> None:
    with pytest.raises(AnswerError, match="must be 0 when"):
        score(load_definition("cssrs_screener"), answers)


def test_it_is_not_a_count_of_yes_answers() -> None:
    one_yes_high = score(load_definition("cssrs_screener"), [0, 1, 0, 0, 1, 0, 0])
    two_yes_low = score(load_definition("cssrs_screener"), [1, 1, 0, 0, 0, 0, 0])
    assert (one_yes_high.risk, two_yes_low.risk) == ("high", "low")
