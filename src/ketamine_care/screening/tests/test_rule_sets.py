"""Rule-set files: every protocol has one, each loads and composes, and the data is sourced."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ketamine_care.core.bibliography import citations, unknown_ids
from ketamine_care.screening.rule_set import (
    FRAGMENTS_DIR,
    RULESETS_DIR,
    Rule,
    RuleSet,
    RuleSetFile,
    UnknownRuleSet,
    compose,
    list_rule_set_ids,
    load_rule_set,
)

from .factories import ALL_PROTOCOLS, clean_facts, screen


class RuleSetFilesTests:
    def test_there_is_one_rule_set_per_protocol(self) -> None:
        assert list_rule_set_ids() == sorted(ALL_PROTOCOLS)

    def test_it_matches_the_protocol_library_when_present(self) -> None:
        library = pytest.importorskip("ketamine_care.protocols.library")
        ids = library.list_protocol_ids()
        if not ids:
            pytest.skip("protocol library is empty")
        assert sorted(ids) == list_rule_set_ids()

    @pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
    def test_each_rule_set_loads_with_a_version(self, protocol: str) -> None:
        rule_set = load_rule_set(protocol)
        assert rule_set.id == protocol
        assert rule_set.version
        assert rule_set.rules
        assert len(rule_set.digest) == 64

    @pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
    def test_a_clean_patient_is_eligible(self, protocol: str) -> None:
        result = screen(protocol, clean_facts(protocol))
        assert result.verdict == "eligible", result.as_json()

    @pytest.mark.parametrize(
        "path", sorted(RULESETS_DIR.glob("*.json")) + sorted(FRAGMENTS_DIR.glob("*.json"))
    )
    def test_files_are_two_space_json(self, path) -> None:
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"

    @pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
    def test_every_rule_cites_its_source(self, protocol: str) -> None:
        # Every rule cites the bibliography ([@id]); an INSTITUTIONAL default cites the
        # project's clinic-editable-defaults entry at least.
        for rule in load_rule_set(protocol).rules:
            assert citations(rule.source), rule.id
            assert not unknown_ids(rule.source), rule.id

    def test_it_rejects_an_unknown_rule_set_naming_it(self) -> None:
        with pytest.raises(UnknownRuleSet, match="'nope'.*iv-ketamine-trd"):
            load_rule_set("nope")

    def test_it_rejects_a_path_as_a_rule_set_id(self) -> None:
        with pytest.raises(UnknownRuleSet):
            load_rule_set("../rulesets/iv-ketamine-trd")


def _rule(rule_id: str, **extra) -> dict:
    return {
        "id": rule_id,
        "severity": "caution",
        "condition": {"age_ge": 65},
        "message": "Test message long enough.",
        "source": "Test source [@spravato-uspi §5]",
        "evidence": "OBS",
        **extra,
    }


class RuleValidationTests:
    def test_it_rejects_duplicate_rule_ids(self) -> None:
        rule = Rule.model_validate(_rule("x.one"))
        with pytest.raises(ValidationError, match="duplicate rule id x.one"):
            RuleSet(id="t", version="1", rules=(rule, rule))

    def test_it_rejects_an_unknown_condition_word(self) -> None:
        with pytest.raises(ValidationError):
            Rule.model_validate(_rule("x.one", condition={"has_history": "broken_leg"}))

    def test_it_rejects_an_unknown_condition_operator(self) -> None:
        with pytest.raises(ValidationError):
            Rule.model_validate(_rule("x.one", condition={"age_between": [1, 2]}))

    def test_rules_may_not_claim_missing_information(self) -> None:
        with pytest.raises(ValidationError):
            Rule.model_validate(_rule("x.one", severity="missing_information"))

    def test_institutional_rules_must_be_labelled_editable(self) -> None:
        with pytest.raises(ValidationError, match="must be editable"):
            Rule.model_validate(_rule("x.one", evidence="INSTITUTIONAL"))
        with pytest.raises(ValidationError, match="clinic-editable"):
            Rule.model_validate(_rule("x.one", evidence="INSTITUTIONAL", editable=True))

    def test_it_rejects_excluding_a_rule_that_is_not_included(self) -> None:
        spec = RuleSetFile(id="t", version="1", title="t", include=("trd",), exclude=("no.such",))
        with pytest.raises(ValueError, match="no.such"):
            compose(spec)

    def test_exclude_drops_an_included_rule(self) -> None:
        aud = load_rule_set("iv-ketamine-aud")
        ids = {rule.id for rule in aud.rules}
        assert "substance.active_sud" not in ids
        assert "substance.active_sud_other_than_alcohol" in ids

    def test_the_composed_rule_set_records_fragment_versions(self) -> None:
        rule_set = load_rule_set("iv-ketamine-trd")
        assert rule_set.fragments["trd"] == "1.0.1"
        assert rule_set.fragments["psychiatric_safety"] == "1.0.0"
        assert "label_vascular" in rule_set.fragments
