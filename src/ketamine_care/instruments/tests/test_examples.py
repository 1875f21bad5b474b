"""Every shipped example answer set scores to its worked expected result."""

from __future__ import annotations

from typing import Any

import pytest

from ketamine_care.instruments.definition import list_codes, load_definition, load_examples
from ketamine_care.instruments.scoring import score

CASES = [
    pytest.param(code, example, id=f"{code}: {example['name']}")
    for code in list_codes()
    for example in load_examples(code)
]


@pytest.mark.parametrize("code,example", CASES)
def test_example_scores_as_expected(code: str, example: dict[str, Any]) -> None:
    # "sex": the patient's recorded sex, for a screen whose cut-off depends on it (AUDIT-C).
    result = score(load_definition(code), example["answers"], sex=example.get("sex")).as_json()
    assert result == {
        "instrument": code,
        "version": load_definition(code).version,
        **example["expected"],
    }


@pytest.mark.parametrize("code", list_codes())
def test_every_instrument_has_examples(code: str) -> None:
    assert len(load_examples(code)) >= 3


BANDED = [code for code in list_codes() if load_definition(code).banding is not None]


@pytest.mark.parametrize("code", BANDED)
def test_examples_reach_every_band(code: str) -> None:
    banding = load_definition(code).banding
    seen = {e["expected"]["band"] for e in load_examples(code)}
    assert seen == {b.name for b in banding.bands}
