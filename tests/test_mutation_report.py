"""`make mutation`'s report: which mutants only reword a message, and the kill rate per module."""

from __future__ import annotations

import pytest

from ketamine_care.testing.mutation_report import is_text_only, markdown, module_of, tally


def _diff(before: str, after: str) -> str:
    return f"--- a.py\n+++ a.py\n@@ -1,3 +1,3 @@\n def f():\n-{before}\n+{after}\n     pass"


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        ('    raise E("Count whole devices.")', '    raise E("XXCount whole devices.XX")', True),
        ('    raise E("Count whole devices.")', '    raise E("COUNT WHOLE DEVICES.")', True),
        ('    raise E("Count whole devices.")', "    raise E(None)", True),
        ('    raise E(f"At most {n} devices")', "    raise E(None)", True),
        # A code or key without a space is logic: it selects behaviour.
        ('    if unit == "vial":', '    if unit == "XXvialXX":', False),
        ('    return {"gt": a > b}[op]', '    return {"XXgtXX": a > b}[op]', False),
        # Anything else on the line changed is logic, even beside a message.
        ('    raise E("Whole devices.", "unit")', '    raise E("Whole devices.", None)', False),
        ("    if after < 0:", "    if after <= 0:", False),
        ('    allowed = "mL or vials" if s == ML else "devices"', "    allowed = None", False),
        # A None elsewhere on the line stays code.
        (
            '    (x is None or x >= 0, "negative x"),',
            '    (x is None or x >= 0, "XXnegative xXX"),',
            True,
        ),
        ('    (x is None or x >= 0, "negative x"),', "    (x is None or x >= 0, None),", True),
        (
            '    (x is None or x >= 0, "negative x"),',
            '    (x is None or x > 0, "negative x"),',
            False,
        ),
    ],
)
def test_text_only_mutants(before: str, after: str, text: bool) -> None:
    assert is_text_only(_diff(before, after)) is text


def test_module_of_a_function_and_a_method_mutant() -> None:
    assert module_of("ketamine_care.inventory.ledger.x_apply_delta__mutmut_5") == (
        "ketamine_care.inventory.ledger"
    )
    assert module_of("ketamine_care.outcomes.safety.xǁSafetyRuleǁcheck__mutmut_1") == (
        "ketamine_care.outcomes.safety"
    )
    with pytest.raises(ValueError, match="not a mutmut mutant name"):
        module_of("ketamine_care.inventory.ledger")


def test_the_logic_rate_leaves_out_text_mutants_and_counts_timeouts_as_killed() -> None:
    text = _diff('    raise E("Enter a quantity.")', '    raise E("XXEnter a quantity.XX")')
    logic = _diff("    if after < 0:", "    if after <= 0:")
    m = "ketamine_care.inventory.ledger.x_f__mutmut_"
    tallies = tally(
        [
            (m + "1", "killed", logic),
            (m + "2", "timeout", logic),
            (m + "3", "survived", logic),
            (m + "4", "no tests", logic),
            (m + "5", "survived", text),
            (m + "6", "killed", text),
            (m + "7", "not checked", logic),
        ]
    )
    t = tallies["ketamine_care.inventory.ledger"]
    assert (t.total, t.text, t.logic, t.logic_killed, t.not_run) == (7, 2, 4, 2, 1)
    assert t.logic_rate == 0.5
    assert t.logic_survivors == [m + "3", m + "4"]
    assert "| `inventory.ledger` | 7 | 2 | 4 | 2 | 50.0% | 50.0% |" in markdown(tallies)
