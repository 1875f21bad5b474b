"""Medication data (drug names -> classes) and ketamine/esketamine interaction warnings (pure).

Data lives in `data/drugs.json` and `data/interactions.json`; every interaction carries its
effect, the action the source gives, a source (a bibliography citation such as
[@spravato-uspi §7]) and an evidence tag. The same data feeds screening (through
`medication_classes`) and the chart's medication list (through `interaction_warnings`).

Diazepam equivalents: the drug data gives, for the benzodiazepines and Z-drugs of the Ashton
table [@ashton-2002], the dose (mg) approximately equivalent to 10 mg diazepam; the screening
turns a `daily_dose_mg` into diazepam-equivalent mg/day with it. For any other benzodiazepine
(e.g. midazolam) the clinician supplies `diazepam_equivalent_mg`; without it the screening
reports `missing_information`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .vocabulary import EvidenceTag, MedicationClass

DATA_DIR = Path(__file__).parent / "data"
InteractionSeverity = Literal["avoid", "caution", "info"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Drug(_Frozen):
    name: str = Field(min_length=1)
    drug_class: MedicationClass = Field(alias="class")
    aliases: tuple[str, ...] = ()
    # mg of this drug approximately equivalent to 10 mg diazepam (Ashton table).
    equivalent_to_diazepam_10mg: float | None = Field(default=None, gt=0)
    source: str = Field(min_length=3)

    @property
    def diazepam_equivalent_factor(self) -> float | None:
        """Diazepam-equivalent mg per mg of this drug."""
        if self.equivalent_to_diazepam_10mg is None:
            return None
        return 10 / self.equivalent_to_diazepam_10mg


class DrugList(_Frozen):
    version: str
    note: str
    drugs: tuple[Drug, ...]


class Interaction(_Frozen):
    interaction: str
    effect: str
    action: str
    severity: InteractionSeverity
    source: str = Field(min_length=3)
    evidence: EvidenceTag
    editable: bool = False


class InteractionTable(_Frozen):
    version: str
    note: str
    by_class: dict[MedicationClass, Interaction]
    by_drug: dict[str, Interaction]


@dataclass(frozen=True)
class InteractionWarning:
    """One warning for one medication on the chart (a drug can carry a class and a drug one)."""

    medication: str
    drug_class: str | None
    interaction: str
    effect: str
    action: str
    severity: str
    source: str
    evidence: str

    def as_json(self) -> dict[str, Any]:
        return {
            "medication": self.medication,
            "class": self.drug_class,
            "interaction": self.interaction,
            "effect": self.effect,
            "action": self.action,
            "severity": self.severity,
            "source": self.source,
            "evidence": self.evidence,
        }


def normalise_name(name: str) -> str:
    """Drug names compare case-insensitively with runs of whitespace collapsed."""
    return " ".join(name.lower().split())


@cache
def drug_list() -> DrugList:
    return DrugList.model_validate_json((DATA_DIR / "drugs.json").read_text(encoding="utf-8"))


@cache
def interaction_table() -> InteractionTable:
    text = (DATA_DIR / "interactions.json").read_text(encoding="utf-8")
    return InteractionTable.model_validate(json.loads(text))


@cache
def _drug_index() -> dict[str, Drug]:
    index: dict[str, Drug] = {}
    for drug in drug_list().drugs:
        for name in (drug.name, *drug.aliases):
            index[normalise_name(name)] = drug
    return index


def find_drug(name: str) -> Drug | None:
    return _drug_index().get(normalise_name(name))


def classify_drug(name: str) -> str | None:
    """The medication class of a drug name (e.g. "aminophylline" -> "theophylline"), or None."""
    drug = find_drug(name)
    return drug.drug_class if drug else None


def medication_classes(name: str, declared_class: str | None) -> frozenset[str]:
    """Every class a medication belongs to: the class the clinician declared and the class the
    drug data gives for its name. Taking the union means a mis-declared class ("other" for
    aminophylline) can never hide an interaction."""
    classes = {declared_class, classify_drug(name)}
    return frozenset(c for c in classes if c is not None)


def _fields(med: Any) -> tuple[str, str | None]:
    if isinstance(med, Mapping):
        return str(med["name"]), med.get("class")
    return med.name, med.drug_class


def interaction_warnings(medications: Iterable[Any]) -> list[InteractionWarning]:
    """Warnings for a medication list (each item a `Medication` or a {"name", "class"} mapping).

    One warning per matching class and per matching drug-specific entry, in list order.
    Sources: [@spravato-uspi §7] [@ketalar-uspi §7] and the papers each entry cites.
    """
    table = interaction_table()
    warnings: list[InteractionWarning] = []
    for med in medications:
        name, declared = _fields(med)
        matches = [
            (c, table.by_class[c])
            for c in sorted(medication_classes(name, declared))
            if c in table.by_class
        ]
        drug = find_drug(name)
        key = drug.name if drug else normalise_name(name)
        if key in table.by_drug:
            matches.append((declared or (drug.drug_class if drug else None), table.by_drug[key]))
        warnings.extend(
            InteractionWarning(
                medication=name,
                drug_class=drug_class,
                interaction=entry.interaction,
                effect=entry.effect,
                action=entry.action,
                severity=entry.severity,
                source=entry.source,
                evidence=entry.evidence,
            )
            for drug_class, entry in matches
        )
    return warnings
