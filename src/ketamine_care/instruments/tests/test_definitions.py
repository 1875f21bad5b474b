"""Shipped instrument definitions: presence, metadata and schema invariants."""

from __future__ import annotations

import json
import unittest
from typing import Any

import pytest
from pydantic import ValidationError

from ketamine_care.instruments.definition import (
    DEFINITIONS_DIR,
    LOCAL_CODE_SYSTEM,
    LOINC_SYSTEM,
    InstrumentDefinition,
    UnknownInstrument,
    list_codes,
    load_definition,
)

EXPECTED_CODES = {
    "phq9", "gad7", "madrs", "qids_sr16", "hamd17", "cssrs_screener", "pcl5", "ybocs", "ymrs",
    "bprs18", "cadss", "moaas", "cgi_s", "cgi_i", "audit", "audit_c", "cdrs_r", "aldrete", "padss",
    "hama", "caps5", "tlfb", "icsi",
}  # fmt: skip
SELF_REPORT = {"phq9", "gad7", "qids_sr16", "pcl5", "audit", "audit_c", "cssrs_screener"}
# Every LOINC code confirmed for rating scales [@loinc]; nothing else may appear.
CONFIRMED_LOINC = {
    "44249-1", "44261-6", "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2",
    "44252-5", "44253-3", "44260-8", "69737-5", "70274-6", "69725-0", "68509-9", "69733-4",
    "69734-2", "69735-9", "69689-8", "69736-7", "72109-2",
    "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9",
}  # fmt: skip
TOTAL_RANGES = {  # each scale's validation source, cited in its definition
    "phq9": (0, 27), "gad7": (0, 21), "madrs": (0, 60), "qids_sr16": (0, 27),
    "hamd17": (0, 52), "pcl5": (0, 80), "ybocs": (0, 40), "ymrs": (0, 60), "bprs18": (18, 126),
    "cadss": (0, 92), "moaas": (0, 5), "audit": (0, 40), "audit_c": (0, 12),
    "aldrete": (0, 10), "padss": (0, 10), "cgi_s": (1, 7), "cgi_i": (1, 7),
    "hama": (0, 56), "caps5": (0, 80), "tlfb": (0, 100), "icsi": (0, 20),
}  # fmt: skip


def test_it_ships_exactly_the_twenty_three_instruments() -> None:
    assert set(list_codes()) == EXPECTED_CODES


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_each_definition_loads_with_metadata(code: str) -> None:
    d = load_definition(code)
    assert d.code == code and d.version and d.sources and d.licence.note
    assert d.self_report == (code in SELF_REPORT)
    assert d.coding[1] == (d.loinc.panel if d.loinc else code)


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_it_uses_only_loinc_codes_confirmed_by_the_reference(code: str) -> None:
    raw = (DEFINITIONS_DIR / f"{code}.json").read_text(encoding="utf-8")
    d = load_definition(code)
    found = {c for c in CONFIRMED_LOINC if c in raw}
    codes = [d.loinc.panel, d.loinc.total] if d.loinc else []
    codes += [i.loinc for i in d.items] + [o.loinc_answer for i in d.items for o in i.options or ()]
    assert {c for c in codes if c} <= CONFIRMED_LOINC
    if d.loinc is None:
        assert d.code_system == LOCAL_CODE_SYSTEM and not found
    else:
        assert d.code_system == LOINC_SYSTEM


@pytest.mark.parametrize("code,expected", sorted(TOTAL_RANGES.items()))
def test_total_ranges_match_the_reference(code: str, expected: tuple[int, int]) -> None:
    r = load_definition(code).total_range
    assert r is not None and (r.min, r.max) == expected


def test_item_ranges_follow_the_published_scales() -> None:
    ymrs = load_definition("ymrs")
    assert [max(i.allowed_values()) for i in ymrs.items] == [4, 4, 4, 4, 8, 8, 4, 8, 8, 4, 4]
    hamd = load_definition("hamd17")
    assert [max(i.allowed_values()) for i in hamd.items] == [
        4, 4, 4, 2, 2, 2, 4, 4, 4, 4, 4, 2, 2, 2, 4, 2, 2,
    ]  # fmt: skip
    audit = load_definition("audit")
    assert [i.allowed_values() for i in audit.items[8:]] == [(0, 2, 4), (0, 2, 4)]
    assert {i.allowed_values() for i in load_definition("bprs18").items} == {tuple(range(1, 8))}
    assert len(load_definition("cadss").items) == 23


def test_the_pcl5_probable_ptsd_cut_off_cites_the_review_that_gives_it() -> None:
    d = load_definition("pcl5")
    stated = [note for note in d.notes if "31-33" in note]
    assert stated and all("[@forkus-2022]" in note for note in stated)
    assert "[@forkus-2022]" in d.sources


def test_an_unknown_code_names_the_valid_codes() -> None:
    with pytest.raises(UnknownInstrument) as err:
        load_definition("phq10")
    assert "phq9" in str(err.value) and "ybocs" in str(err.value)


def test_a_path_like_code_is_unknown() -> None:
    with pytest.raises(UnknownInstrument):
        load_definition("../outcomes/defaults")


def _raw(code: str = "phq9") -> dict[str, Any]:
    return json.loads((DEFINITIONS_DIR / f"{code}.json").read_text(encoding="utf-8"))


class SchemaValidationTests(unittest.TestCase):
    def test_it_rejects_a_gap_between_bands(self) -> None:
        raw = _raw()
        raw["banding"]["bands"][1]["min"] = 6
        with pytest.raises(ValidationError, match="contiguous"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_overlapping_bands(self) -> None:
        raw = _raw()
        raw["banding"]["bands"][1]["min"] = 4
        with pytest.raises(ValidationError, match="contiguous"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_bands_that_stop_short_of_the_max(self) -> None:
        raw = _raw()
        raw["banding"]["bands"][-1]["max"] = 26
        with pytest.raises(ValidationError, match="max total"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_duplicate_option_values(self) -> None:
        raw = _raw()
        raw["items"][0]["options"][1]["value"] = 0
        with pytest.raises(ValidationError, match="unique"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_a_stated_range_that_disagrees_with_the_items(self) -> None:
        raw = _raw()
        raw["total_range"]["max"] = 30
        with pytest.raises(ValidationError, match="computed range"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_a_flag_on_an_unknown_item(self) -> None:
        raw = _raw()
        raw["safety_flags"][0]["item"] = "phq9_10"
        with pytest.raises(ValidationError, match="unknown item"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_loinc_without_the_loinc_system(self) -> None:
        raw = _raw()
        raw["code_system"] = LOCAL_CODE_SYSTEM
        with pytest.raises(ValidationError, match="code_system"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_domains_that_miss_an_item(self) -> None:
        raw = _raw("qids_sr16")
        raw["domains"][0]["items"].pop()
        with pytest.raises(ValidationError, match="domains"):
            InstrumentDefinition.model_validate(raw)

    def test_it_rejects_unknown_keys(self) -> None:
        raw = _raw()
        raw["colour"] = "blue"
        with pytest.raises(ValidationError):
            InstrumentDefinition.model_validate(raw)
