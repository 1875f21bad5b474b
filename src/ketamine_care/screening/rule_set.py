"""Screening rule sets: versioned data files composed from shared fragments (pure; no Django).

Layout (package data):
- `rulesets/<protocol-id>.json`: `{"id", "version", "title", "include": [fragment ids],
  "exclude": [rule ids], "rules": [protocol-specific rules]}`. By agreement with the protocol
  library, a protocol's `screening_rule_set` equals its protocol id.
- `rulesets/fragments/<fragment-id>.json`: `{"id", "version", "note", "rules": [...]}`, so label
  contraindications and shared precautions are written once.

Each rule: `id` (stable, dotted), `severity` (ineligible | requires_override | caution | info),
`condition` (see `conditions`), `message` (what the source says and what to do), `source`
(the primary source cited from the bibliography, e.g. `[@spravato-uspi §4]`), `evidence` tag and
`editable` (true for INSTITUTIONAL / UNCONFIRMED defaults, which say so in their message).

The composed `RuleSet` records its own version, the version of each fragment it includes and a
SHA-256 `digest` of its composed content, so a stored verdict names exactly the rules applied.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketamine_care.core.canonical import sha256_digest
from ketamine_care.protocols.pinning import pin

from .conditions import Condition
from .vocabulary import EvidenceTag, RuleSeverity

RULESETS_DIR = Path(__file__).parent / "rulesets"
FRAGMENTS_DIR = RULESETS_DIR / "fragments"
_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class UnknownRuleSet(LookupError):
    """No rule-set file for this id; the message lists the known ids."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Rule(_Frozen):
    id: str = Field(pattern=_ID_PATTERN)
    severity: RuleSeverity
    condition: Condition
    message: str = Field(min_length=10)
    source: str = Field(min_length=3)
    evidence: EvidenceTag
    editable: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _labelled_default(self) -> Rule:
        # Clinic-editable defaults must say so where the prescriber reads them.
        if self.evidence == "INSTITUTIONAL" and not self.editable:
            raise ValueError(f"rule {self.id}: INSTITUTIONAL rules must be editable")
        if self.editable and "clinic-editable" not in self.message:
            raise ValueError(f"rule {self.id}: editable rules must say 'clinic-editable'")
        return self


class Fragment(_Frozen):
    id: str = Field(pattern=_ID_PATTERN)
    version: str
    note: str | None = None
    rules: tuple[Rule, ...] = Field(min_length=1)


class RuleSetFile(_Frozen):
    id: str = Field(pattern=_ID_PATTERN)
    version: str
    title: str
    note: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()


class RuleSet(_Frozen):
    """A composed rule set, ready for `evaluate`. Rule ids are unique."""

    id: str
    version: str
    title: str = ""
    fragments: dict[str, str] = Field(default_factory=dict)
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule set {self.id}: duplicate rule id {rule.id}")
            seen.add(rule.id)
        return self

    @property
    def digest(self) -> str:
        """SHA-256 of the composed rule set (canonical JSON): changes whenever any rule does."""
        return sha256_digest(self.content())

    def content(self) -> dict[str, Any]:
        """The composed rule set as JSON data: what a protocol version pins and digests."""
        return self.model_dump(mode="json", by_alias=True)


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def list_rule_set_ids() -> list[str]:
    """Ids of every shipped rule set (one per protocol), sorted."""
    return sorted(p.stem for p in RULESETS_DIR.glob("*.json"))


@cache
def load_fragment(fragment_id: str) -> Fragment:
    path = FRAGMENTS_DIR / f"{fragment_id}.json"
    if not path.is_file():
        raise UnknownRuleSet(f"unknown rule-set fragment {fragment_id!r}")
    return Fragment.model_validate(_read(path))


def compose(spec: RuleSetFile) -> RuleSet:
    """Flatten includes (in order), drop excluded rule ids, append the file's own rules."""
    fragments = [load_fragment(name) for name in spec.include]
    included = [rule for fragment in fragments for rule in fragment.rules]
    present = {rule.id for rule in included}
    stray = [rule_id for rule_id in spec.exclude if rule_id not in present]
    if stray:
        raise ValueError(f"rule set {spec.id}: excluded ids not included: {', '.join(stray)}")
    kept = [rule for rule in included if rule.id not in spec.exclude]
    return RuleSet(
        id=spec.id,
        version=spec.version,
        title=spec.title,
        fragments={fragment.id: fragment.version for fragment in fragments},
        rules=(*kept, *spec.rules),
    )


@cache
def load_rule_set(rule_set_id: str) -> RuleSet:
    """Load and compose `rulesets/<rule_set_id>.json`; raises `UnknownRuleSet`."""
    path = RULESETS_DIR / f"{rule_set_id}.json"
    if not re.fullmatch(_ID_PATTERN, rule_set_id) or not path.is_file():
        known = ", ".join(list_rule_set_ids())
        raise UnknownRuleSet(f"unknown screening rule set {rule_set_id!r} (known: {known})")
    spec = RuleSetFile.model_validate(_read(path))
    if spec.id != rule_set_id:
        raise ValueError(f"{path.name}: id {spec.id!r} does not match the file name")
    return compose(spec)


def rule_set_from_content(content: dict[str, Any]) -> RuleSet:
    """A rule set pinned by a protocol version (`RuleSet.content()`), validated again."""
    return RuleSet.model_validate(content)


def pin_for_protocol(definition: dict[str, Any]) -> dict[str, Any]:
    """The pin record of the rule set a protocol definition names (`screening_rule_set`):
    id, version, composed content and its digest (equal to `RuleSet.digest`)."""
    rule_set = load_rule_set(definition["screening_rule_set"])
    return pin(rule_set.content(), id=rule_set.id, version=rule_set.version)
