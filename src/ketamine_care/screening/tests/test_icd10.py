"""ICD-10-CM mapping fails safe: an unclassified psychiatric code is missing information."""

from __future__ import annotations

import pytest

from ketamine_care.screening import icd10
from ketamine_care.screening.vocabulary import DIAGNOSES

from .factories import ALL_PROTOCOLS, PSYCHIATRIC, clean_facts, reason_map, screen

MAPPED = [
    # Opioid, cannabis, stimulant and unspecified dependence: an active use disorder.
    ("F11.20", "active", ("substance_use_disorder_active",)),
    ("F12.20", "active", ("substance_use_disorder_active",)),
    ("F14.10", "active", ("substance_use_disorder_active",)),
    ("F19.20", "active", ("substance_use_disorder_active",)),
    ("F10.20", "active", ("alcohol_use_disorder",)),
    # Bipolar disorder with psychotic features.
    ("F31.5", "active", ("bipolar_psychotic_features",)),
    ("F31.64", "active", ("bipolar_psychotic_features",)),
    # Mania with psychotic features: the mania and the psychotic features; the psychotic
    # features outlast the episode.
    ("F31.2", "active", ("bipolar_i", "current_mania", "bipolar_psychotic_features")),
    ("F31.2", "in_remission", ("bipolar_i", "bipolar_psychotic_features")),
    ("F30.2", "active", ("current_mania", "bipolar_psychotic_features")),
    ("F30.2", "in_remission", ("bipolar_psychotic_features",)),
    ("F30.10", "active", ("current_mania",)),
    # Psychotic disorder due to a physiological condition; substance-induced psychoses.
    ("F06.2", "active", ("other_psychotic_disorder",)),
    ("F10.159", "active", ("alcohol_use_disorder", "other_psychotic_disorder")),
    ("F12.259", "active", ("substance_use_disorder_active", "other_psychotic_disorder")),
    ("F15.959", "active", ("other_psychotic_disorder",)),
    # "In remission" codes give the remission word, not an active disorder.
    ("F10.11", "active", ("alcohol_use_disorder_in_remission",)),
    ("F10.21", "active", ("alcohol_use_disorder_in_remission",)),
    ("F11.21", "active", ("substance_use_disorder_in_remission",)),
    # An active-disorder code whose recorded status is "in remission".
    ("F11.20", "in_remission", ("substance_use_disorder_in_remission",)),
    ("F20.9", "in_remission", ("schizophrenia",)),
    ("F11.20", "resolved", ()),
    # Known codes no rule concerns, and codes outside chapter F.
    ("F41.9", "active", ()),
    ("I10", "active", ()),
]


@pytest.mark.parametrize(("code", "status", "words"), MAPPED)
def test_codes_map_to_their_words(code, status, words):
    found = icd10.words_for(code, status)
    assert (found.words, found.classified) == (words, True)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("F20.9", ("schizophrenia",)),
        ("F23", ("other_psychotic_disorder",)),
        ("F25.0", ("schizoaffective",)),
        ("F33.3", ("mdd_psychotic_features",)),
        ("F31.5", ("bipolar_psychotic_features",)),
        # A resolved substance-induced psychosis: the psychosis stays, the use disorder goes.
        ("F12.259", ("other_psychotic_disorder",)),
    ],
)
def test_a_resolved_psychotic_disorder_keeps_its_word(code, words):
    """Current or lifetime psychosis excludes [@sanacora-2017] [@swainson-2021]: "resolved" is
    lifetime, never "absent"."""
    assert icd10.words_for(code, icd10.RESOLVED).words == words


def test_the_lifetime_words_are_the_psychosis_words_of_the_vocabulary():
    lifetime = set(icd10.icd10_map()["lifetime"])
    assert lifetime <= set(DIAGNOSES)
    assert lifetime == {w for w in DIAGNOSES if "psychotic" in w or w.startswith("schizo")}


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
def test_a_resolved_schizophrenia_code_is_never_eligible(protocol):
    words = icd10.words_for("F20.9", icd10.RESOLVED).words
    result = screen(protocol, clean_facts(protocol, diagnoses=["mdd", *words]))
    assert result.verdict in ("ineligible", "requires_override")
    assert any(r.rule.startswith("psychosis.") for r in result.reasons)


@pytest.mark.parametrize("code", ["F31.2", "F30.2"])
def test_mania_with_psychotic_features_in_remission_is_never_eligible(code):
    """Bipolar disorder with psychotic features maps to psychosis [@sanacora-2017]: once the
    manic episode is over, the psychotic features still exclude."""
    words = icd10.words_for(code, icd10.IN_REMISSION).words
    protocol = "iv-ketamine-bipolar-depression"
    facts = clean_facts(protocol, diagnoses=["bipolar_i", *words])
    assert reason_map(screen(protocol, facts))["psychosis.mdd_psychotic_features"] == "ineligible"


@pytest.mark.parametrize("code", ["F31.4", "F31.0", "F19.90", "F17.210", "F99", "f32.89"])
def test_an_unmapped_psychiatric_code_is_unclassified(code):
    assert icd10.words_for(code).classified is False


@pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
def test_an_unclassified_code_is_missing_information_naming_it(protocol):
    result = screen(protocol, clean_facts(protocol, icd10_codes=["F31.4"]))
    (reason,) = result.reasons
    assert (reason.rule, reason.severity) == ("diagnosis.unclassified_code", "missing_information")
    assert reason.missing == ("classification of F31.4",)
    assert "F31.4" in reason.message and "Classify this diagnosis" in reason.message
    assert result.verdict == "requires_override"
    assert result.override_allowed is False  # classify it; it could be a contraindication


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
@pytest.mark.parametrize(
    ("code", "rule", "severity"),
    [
        ("F31.5", "psychosis.mdd_psychotic_features", "ineligible"),
        ("F31.2", "psychosis.mdd_psychotic_features", "ineligible"),
        ("F30.2", "psychosis.mdd_psychotic_features", "ineligible"),
        ("F06.2", "psychosis.psychotic_disorder", "ineligible"),
        ("F12.259", "psychosis.psychotic_disorder", "ineligible"),
        ("F10.21", "substance.use_disorder_in_remission", "caution"),
        ("F11.21", "substance.use_disorder_in_remission", "caution"),
    ],
)
def test_codes_reach_the_rules(protocol, code, rule, severity):
    result = screen(protocol, clean_facts(protocol, icd10_codes=[code]))
    assert reason_map(result)[rule] == severity


@pytest.mark.parametrize("protocol", [p for p in PSYCHIATRIC if p != "iv-ketamine-aud"])
def test_opioid_dependence_needs_an_override(protocol):
    result = screen(protocol, clean_facts(protocol, icd10_codes=["F11.20"]))
    assert reason_map(result)["substance.active_sud"] == "requires_override"


def test_remission_is_not_an_active_disorder():
    result = screen("iv-ketamine-trd", clean_facts(icd10_codes=["F10.21"]))
    assert "substance.active_sud" not in reason_map(result)
    assert result.verdict == "eligible_with_cautions"
