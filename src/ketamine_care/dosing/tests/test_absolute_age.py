"""An absolute age limit: no typed reason doses a child under it.

ACEP makes age under 3 months an absolute contraindication to ketamine sedation
[@green-2011], yet `dose --reason` lifted the block on the paediatric procedural protocol as it
lifts any age outside a protocol's ages. A definition now marks such a bound
(`min_age_absolute`, with its source); below it the dose is blocked whatever the reason, and
so is an unknown age on such a protocol (fail safe: it may be below it).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ketamine_care.core.bibliography import render
from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.dosing.cli import dose_main
from ketamine_care.protocols.library import list_protocol_ids, load_definition, parse_definition

from .label_cases import absolute_age, expected, on, run_dose, unknown_age

PPS = "pediatric-procedural-sedation"
PAEDIATRIC = load_definition(PPS)
CHILD = f"--protocol {PPS} --weight-kg 5"
REASON = "approved by the medical director"


def _age_blocks(result) -> list[str]:
    return [r for r in result.block_reasons if "outside this protocol's ages" in r]


class TestUnderThreeMonths:
    @pytest.mark.parametrize("reason", [None, REASON])
    @pytest.mark.parametrize("age", [0, 1 / 12, 2 / 12, 0.2499])
    def test_blocked_whatever_the_reason(self, age, reason):
        result = calculate_dose(PAEDIATRIC, weight_kg=5, age_years=age, reason=reason)
        assert result.blocked
        assert _age_blocks(result) == [absolute_age(age, "3 months to 17 years", PPS)]
        assert not any("reason given" in w for w in result.warnings)

    @pytest.mark.parametrize("reason", [None, REASON])
    @pytest.mark.parametrize("age", [0.25, 3 / 12, 0.5, 1, 17.9])
    def test_three_months_and_older_are_not_blocked(self, age, reason):
        result = calculate_dose(PAEDIATRIC, weight_kg=5, age_years=age, reason=reason)
        assert not result.blocked and not _age_blocks(result)

    def test_the_message_names_the_minimum_and_its_source(self):
        (block,) = calculate_dose(
            PAEDIATRIC, weight_kg=5, age_years=0.2, reason=REASON
        ).block_reasons
        assert "absolute contraindication" in block
        assert "under 3 months" in block and "[@green-2011]" in block

    def test_the_maximum_is_not_absolute_a_reason_still_lifts_it(self):
        result = calculate_dose(PAEDIATRIC, weight_kg=60, age_years=18, reason=REASON)
        assert not _age_blocks(result)
        assert "reason given: " + REASON in result.warnings[-1]


class TestAnUnknownAge:
    """Fail safe: without the age nobody can tell the infant is 3 months or older, so no dose
    is offered on the paediatric procedural protocol until the age is entered; it passed
    before, dosing as if the age were known to be inside the protocol's ages."""

    @pytest.mark.parametrize("reason", [None, REASON])
    def test_blocked_whatever_the_reason(self, reason):
        result = calculate_dose(PAEDIATRIC, weight_kg=5, reason=reason)
        assert result.blocked
        assert result.block_reasons == (unknown_age(PPS, "the patient's age"),)
        assert result.dose_mg == 7.5  # still shown, so the clinician sees what is refused
        assert not any("reason given" in w for w in result.warnings)

    def test_the_block_names_the_minimum_its_source_and_what_to_enter(self):
        (block,) = calculate_dose(PAEDIATRIC, weight_kg=5, enter_age="the birth date").block_reasons
        assert block.startswith("age unknown: this protocol's minimum age (3 months) is an ")
        assert "absolute contraindication below it" in block and "[@green-2011]" in block
        assert block.endswith("; enter the birth date")

    def test_an_absolute_maximum_blocks_an_unknown_age_too(self):
        source = PAEDIATRIC.min_age_source.model_dump() | {"source": "Adults [@green-2011]"}
        both = parse_definition(
            PAEDIATRIC.model_dump(mode="json")
            | {"max_age_absolute": True, "max_age_source": source}
        )
        (block,) = calculate_dose(both, weight_kg=5).block_reasons
        assert "minimum age (3 months) is an absolute contraindication below it" in block
        assert "maximum age (17 years) is an absolute contraindication above it" in block
        assert "(Adults [@green-2011]); enter the patient's age" in block
        assert not calculate_dose(both, weight_kg=5, age_years=17.9).blocked


class TestTheCommand:
    @pytest.mark.parametrize("reason", ["", f" --reason '{REASON}'"])
    def test_json_blocks_just_under_three_months_with_or_without_a_reason(self, capsys, reason):
        status, data, _ = run_dose(capsys, f"{CHILD} --age-years 0.24{reason}")
        assert status == 1 and data["blocked"] is True
        assert data["block_reasons"] == [absolute_age(0.24, "3 months to 17 years", PPS)]
        assert data["dose_mg"] == 7.5  # still shown, so the clinician sees what is refused

    @pytest.mark.parametrize("age", ["0.25", "1"])
    def test_json_doses_from_three_months_with_or_without_a_reason(self, capsys, age):
        for reason in ("", f" --reason '{REASON}'"):
            status, data, _ = run_dose(capsys, f"{CHILD} --age-years {age}{reason}")
            assert (status, data["blocked"], data["block_reasons"]) == (0, False, [])

    def test_text_says_blocked_and_why_with_a_reason(self, capsys):
        argv = [*CHILD.split(), "--age-years", "0.2", "--reason", REASON]
        assert dose_main(argv) == 1
        out = capsys.readouterr().out
        assert "BLOCKED:" in out
        # The text names the source as a reader knows it ("Green 2011 (ACEP)"), not its key.
        block = render(absolute_age(0.2, "3 months to 17 years", PPS))
        assert f"  - {block}" in out.splitlines()
        assert "reason given" not in out

    @pytest.mark.parametrize("reason", ["", f" --reason '{REASON}'"])
    def test_json_blocks_an_unknown_age_asking_for_age_years(self, capsys, reason):
        status, data, _ = run_dose(capsys, f"{CHILD}{reason}")
        # The whole object: the same keys as ever, only the verdict and its reason differ.
        block = unknown_age(PPS, "the age with --age-years")
        assert (status, data) == (1, expected(CHILD, **on(5, 7.5, 1.5, reasons=[block])))

    def test_text_says_blocked_and_to_enter_the_age(self, capsys):
        assert dose_main([*CHILD.split(), "--reason", REASON]) == 1
        out = capsys.readouterr().out
        assert "BLOCKED:" in out
        block = render(unknown_age(PPS, "the age with --age-years"))
        assert f"  - {block}" in out.splitlines()
        assert "Green 2011" in block and "[@" not in block

    def test_text_doses_exactly_three_months(self, capsys):
        assert dose_main([*CHILD.split(), "--age-years", "0.25"]) == 0
        assert "BLOCKED" not in capsys.readouterr().out


class TestTheSchema:
    def _data(self, **changes):
        return PAEDIATRIC.model_dump(mode="json") | changes

    @pytest.mark.parametrize("value", ["yes", "true", 1, 0, None])
    def test_a_non_boolean_is_refused(self, value):
        with pytest.raises(ValidationError, match="min_age_absolute"):
            parse_definition(self._data(min_age_absolute=value))

    def test_absolute_needs_its_source(self):
        with pytest.raises(ValidationError, match="min_age_absolute needs min_age_source"):
            parse_definition(self._data(min_age_source=None))

    def test_absolute_needs_the_bound(self):
        data = self._data(max_age_absolute=True, max_age_source=self._data()["min_age_source"])
        with pytest.raises(ValidationError, match="max_age_absolute needs max_age_years"):
            parse_definition(data | {"max_age_years": None})

    def test_it_defaults_to_false(self):
        data = self._data()
        for key in ("min_age_absolute", "min_age_source"):
            del data[key]
        assert parse_definition(data).min_age_absolute is False

    def test_the_paediatric_protocol_cites_acep_at_a_new_version(self):
        assert PAEDIATRIC.min_age_absolute and PAEDIATRIC.min_age_years == 0.25
        assert "[@green-2011]" in PAEDIATRIC.min_age_source.source
        assert PAEDIATRIC.version == "1.1.3"


OTHERS = [pid for pid in list_protocol_ids() if pid != PPS]


class TestOtherProtocols:
    @pytest.mark.parametrize("protocol_id", OTHERS)
    def test_no_other_age_bound_is_absolute(self, protocol_id):
        definition = load_definition(protocol_id)
        assert not definition.min_age_absolute and not definition.max_age_absolute

    @pytest.mark.parametrize("protocol_id", OTHERS)
    def test_an_unknown_age_is_not_blocked_for_its_age(self, protocol_id):
        definition = load_definition(protocol_id)
        weight = None if definition.dose_rule().basis == "fixed_mg" else 60
        try:
            result = calculate_dose(definition, weight_kg=weight)
        except DoseInputError as exc:  # the esketamine labels' start needs the age
            assert exc.field == "age_years"
            return
        assert not any("age unknown" in r for r in result.block_reasons)

    @pytest.mark.parametrize("protocol_id", OTHERS)
    def test_a_reason_still_lifts_an_age_below_their_minimum(self, protocol_id):
        definition = load_definition(protocol_id)
        weight = None if definition.dose_rule().basis == "fixed_mg" else 60
        age = definition.min_age_years - 0.1
        result = calculate_dose(definition, weight_kg=weight, age_years=age, reason=REASON)
        assert not _age_blocks(result)
        assert not _age_blocks(calculate_dose(definition, weight_kg=weight, age_years=age + 0.1))
