"""Medication data and interaction warnings ([@spravato-uspi §7], [@ketalar-uspi §7])."""

from __future__ import annotations

import json

import pytest

from ketamine_care.core.bibliography import citations, unknown_ids
from ketamine_care.screening.facts import parse_facts
from ketamine_care.screening.interactions import (
    DATA_DIR,
    classify_drug,
    drug_list,
    find_drug,
    interaction_table,
    interaction_warnings,
)
from ketamine_care.screening.vocabulary import MEDICATION_CLASSES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("aminophylline", "theophylline"),
        ("Theophylline", "theophylline"),
        ("  LORAZEPAM ", "benzodiazepine"),
        ("zolpidem", "sedative_hypnotic"),
        ("phenelzine", "maoi"),
        ("armodafinil", "psychostimulant"),
        ("divalproex", "valproate"),
        ("lithium carbonate", "lithium"),
        ("lamotrigine", "lamotrigine"),
        ("not-a-drug", None),
    ],
)
def test_classify_drug(name: str, expected: str | None) -> None:
    assert classify_drug(name) == expected


# mg approximately equivalent to 10 mg diazepam [@ashton-2002], as the review lists them.
ASHTON_EQUIVALENTS = {
    "diazepam": 10,
    "alprazolam": 0.5,
    "clonazepam": 0.5,
    "lorazepam": 1,
    "oxazepam": 20,
    "temazepam": 20,
    "chlordiazepoxide": 25,
    "clobazam": 20,
    "clorazepate": 15,
    "nitrazepam": 10,
    "zolpidem": 20,
    "zopiclone": 15,
}


def test_diazepam_equivalents_are_exactly_the_ashton_table() -> None:
    equivalents = {
        d.name: d.equivalent_to_diazepam_10mg
        for d in drug_list().drugs
        if d.equivalent_to_diazepam_10mg is not None
    }
    assert equivalents == ASHTON_EQUIVALENTS
    assert find_drug("diazepam").diazepam_equivalent_factor == 1


def test_every_drug_name_is_unique() -> None:
    names = [n for d in drug_list().drugs for n in (d.name, *d.aliases)]
    assert len(names) == len(set(names))


def test_drug_specific_interactions_name_known_drugs() -> None:
    known = {d.name for d in drug_list().drugs}
    assert set(interaction_table().by_drug) <= known


def test_every_interaction_cites_its_source() -> None:
    table = interaction_table()
    for entry in [*table.by_class.values(), *table.by_drug.values()]:
        assert citations(entry.source) and not unknown_ids(entry.source), entry.source


def test_interaction_classes_are_vocabulary_words() -> None:
    assert set(interaction_table().by_class) <= set(MEDICATION_CLASSES)


@pytest.mark.parametrize("name", ["drugs.json", "interactions.json"])
def test_data_files_are_two_space_json(name: str) -> None:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_theophylline_says_do_not_co_administer() -> None:
    (warning,) = interaction_warnings([{"name": "aminophylline", "class": "other"}])
    assert warning.drug_class == "theophylline"
    assert warning.severity == "avoid"
    assert warning.action == "Do not co-administer."


def test_each_interacting_drug_on_a_chart_shows_its_warning() -> None:
    facts = parse_facts(
        {
            "medications": [
                {"name": "phenelzine", "class": "maoi"},
                {"name": "oxycodone", "class": "opioid"},
                {"name": "amlodipine", "class": "other"},
                {"name": "methylphenidate"},
            ]
        }
    )
    warnings = interaction_warnings(facts.medications or [])
    assert [(w.medication, w.interaction) for w in warnings] == [
        ("phenelzine", "Monoamine oxidase inhibitors"),
        ("oxycodone", "CNS depressants: opioids"),
        ("methylphenidate", "Psychostimulants"),
    ]


def test_a_drug_can_carry_a_class_and_a_drug_warning() -> None:
    warnings = interaction_warnings([{"name": "diazepam", "class": "benzodiazepine"}])
    assert [w.severity for w in warnings] == ["caution", "info"]


def test_warning_json_keys() -> None:
    (warning,) = interaction_warnings([{"name": "modafinil", "class": "psychostimulant"}])
    assert list(warning.as_json()) == [
        "medication",
        "class",
        "interaction",
        "effect",
        "action",
        "severity",
        "source",
        "evidence",
    ]
