"""Rating-scale definitions as versioned data, validated by Pydantic.

Each instrument lives in `definitions/<code>.json`; superseded versions stay loadable from
`definitions/archive/<code>/<version>.json` (see `definition(code, version)`). The schema
below checks the structure
(unique item ids and option values, bands that tile the possible total range, subscales
and flags that point at real items) so a bad data file fails at load time, not at the
bedside. Clinical numbers inside the files cite the bibliography
(`core/sources.json`), e.g. `[@kroenke-2001]`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ketamine_care.core.canonical import sha256_digest
from ketamine_care.core.evidence import EvidenceTag as Evidence
from ketamine_care.instruments.definition_parts import (
    Banding,
    Convention,
    Domain,
    Item,
    Licence,
    LoincCodes,
    SafetyFlag,
    ScoringMethod,
    SexScreen,
    Subscale,
    TotalRange,
    Triage,
    _Frozen,
)
from ketamine_care.instruments.tlfb import Calendar

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
# Superseded definitions, kept so old administrations can be rescored with their own version:
# `archive/<code>/<version>.json`, each the file exactly as it was shipped.
ARCHIVE_DIR = DEFINITIONS_DIR / "archive"
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")
LOCAL_CODE_SYSTEM = "https://ketamine-care.org/fhir/CodeSystem/instruments"
LOINC_SYSTEM = "http://loinc.org"
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class InstrumentDefinition(_Frozen):
    code: str
    name: str
    version: str
    self_report: bool
    rater: Literal["patient", "clinician", "patient_or_clinician"]
    recall_period: str | None = None
    instructions: str | None = None
    scoring_method: ScoringMethod
    total_range: TotalRange | None
    items: tuple[Item, ...] = Field(min_length=1)
    domains: tuple[Domain, ...] = ()
    subscales: tuple[Subscale, ...] = ()
    banding: Banding | None = None
    safety_flags: tuple[SafetyFlag, ...] = ()
    triage: Triage | None = None
    screen: SexScreen | None = None
    calendar: Calendar | None = None
    response: Convention | None = None
    remission: Convention | None = None
    loinc: LoincCodes | None = None
    code_system: str
    licence: Licence
    sources: tuple[str, ...] = Field(min_length=1)
    evidence: Evidence
    notes: tuple[str, ...] = ()

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def coding(self) -> tuple[str, str]:
        """(system, code) for interoperability: the LOINC panel where one is confirmed
        [@loinc],
        otherwise the local code system with the instrument code."""
        if self.loinc is not None and self.loinc.panel is not None:
            return LOINC_SYSTEM, self.loinc.panel
        return LOCAL_CODE_SYSTEM, self.code

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDefinition:
        if not _CODE_RE.match(self.code):
            raise ValueError(f"code {self.code!r} must be lower case letters, digits, '_'")
        ids = self.item_ids
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.code}: item ids must be unique")
        self._check_codes()
        self._check_references(set(ids))
        self._check_method()
        self._check_total_range()
        self._check_bands()
        self._check_screen()
        return self

    def _check_codes(self) -> None:
        # A LOINC code only where it is confirmed [@loinc]; otherwise a local URI.
        if self.loinc is not None and self.code_system != LOINC_SYSTEM:
            raise ValueError(f"{self.code}: loinc given, so code_system must be {LOINC_SYSTEM}")
        if self.loinc is None and self.code_system != LOCAL_CODE_SYSTEM:
            raise ValueError(f"{self.code}: without loinc, code_system must be {LOCAL_CODE_SYSTEM}")

    def _check_references(self, ids: set[str]) -> None:
        named = [i for s in self.subscales for i in s.items]
        named += [i for d in self.domains for i in d.items]
        named += [f.item for f in self.safety_flags]
        if self.triage is not None:
            named += [i for r in self.triage.rules for g in r.any_of for i in g]
            named += [i for s in self.triage.skip_logic for i in (s.if_item, *s.then_items)]
        unknown = sorted(set(named) - ids)
        if unknown:
            raise ValueError(f"{self.code}: unknown item ids referenced: {unknown}")

    def _check_method(self) -> None:
        method = self.scoring_method
        if method == "domain_max_sum":
            covered = [i for d in self.domains for i in d.items]
            if sorted(covered) != sorted(self.item_ids):
                raise ValueError(f"{self.code}: domains must cover every item exactly once")
        elif self.domains:
            raise ValueError(f"{self.code}: domains are only used by domain_max_sum")
        if method in ("entered_total", "single_rating") and len(self.items) != 1:
            raise ValueError(f"{self.code}: {method} needs exactly one item")
        if (method == "cssrs_triage") != (self.triage is not None):
            raise ValueError(f"{self.code}: triage rules go with the cssrs_triage method")
        if (method == "tlfb") != (self.calendar is not None):
            raise ValueError(f"{self.code}: a calendar goes with the tlfb method")
        if self.calendar is not None:
            self._check_calendar(self.calendar)

    def _check_calendar(self, calendar: Calendar) -> None:
        if [calendar.sex_item, calendar.day_item] != list(self.item_ids):
            raise ValueError(f"{self.code}: tlfb items must be the sex item, then the day item")
        sexes = {str(v) for v in self.item(calendar.sex_item).allowed_values()}
        if set(calendar.heavy_day_min_drinks) != sexes:
            raise ValueError(f"{self.code}: give a heavy-day line for each sex option {sexes}")
        if not set(map(str, calendar.sex_words.values())) <= sexes:
            raise ValueError(f"{self.code}: sex_words must name sex options")
        if calendar.min_days > calendar.max_days:
            raise ValueError(f"{self.code}: calendar min_days is above max_days")

    def _check_total_range(self) -> None:
        computed = possible_total_range(self)
        stated = None if self.total_range is None else (self.total_range.min, self.total_range.max)
        if computed != stated:
            raise ValueError(f"{self.code}: total_range {stated} != computed range {computed}")

    def _check_bands(self) -> None:
        if self.banding is None:
            return
        if self.total_range is None:
            raise ValueError(f"{self.code}: bands need a total range")
        bands = sorted(self.banding.bands, key=lambda b: b.min)
        expected_min = self.total_range.min
        for band in bands:
            if band.min != expected_min or band.max < band.min:
                raise ValueError(
                    f"{self.code}: band {band.name!r} starts at {band.min}, "
                    f"expected {expected_min} (bands must be contiguous, no gaps or overlaps)"
                )
            expected_min = band.max + 1
        if expected_min - 1 != self.total_range.max:
            raise ValueError(f"{self.code}: bands end at {expected_min - 1}, not at the max total")
        names = [b.name for b in bands]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.code}: band names must be unique")

    def _check_screen(self) -> None:
        if self.screen is None:
            return
        if self.total_range is None or self.scoring_method != "sum":
            raise ValueError(f"{self.code}: a screen needs a summed total")
        low, high = self.total_range.min, self.total_range.max
        if not all(low < cut <= high for cut in self.screen.min_total.values()):
            raise ValueError(f"{self.code}: screen cut-offs must lie above {low} and up to {high}")
        if self.screen.flag in {f.flag for f in self.safety_flags}:
            raise ValueError(f"{self.code}: the screen's flag is also a safety flag")


def possible_total_range(definition: InstrumentDefinition) -> tuple[int, int] | None:
    """Lowest and highest total the scoring method can produce, or None when there is no total."""
    method = definition.scoring_method
    if method == "cssrs_triage":
        return None
    if method == "tlfb":
        return 0, 100  # percent heavy drinking days
    if method == "domain_max_sum":
        lows = [
            max(min(definition.item(i).allowed_values()) for i in d.items)
            for d in definition.domains
        ]
        highs = [
            max(max(definition.item(i).allowed_values()) for i in d.items)
            for d in definition.domains
        ]
        return sum(lows), sum(highs)
    values = [item.allowed_values() for item in definition.items]
    return sum(min(v) for v in values), sum(max(v) for v in values)


def list_codes() -> tuple[str, ...]:
    """Codes of every shipped instrument definition, sorted."""
    return tuple(
        sorted(p.stem for p in DEFINITIONS_DIR.glob("*.json") if not p.stem.endswith(".examples"))
    )


class UnknownInstrument(KeyError):
    """No shipped definition has this code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"unknown instrument {self.code!r}; valid codes: {', '.join(list_codes())}"


@cache
def load_definition(code: str) -> InstrumentDefinition:
    """Load and validate `definitions/<code>.json`; raises UnknownInstrument for other codes."""
    if code not in list_codes():
        raise UnknownInstrument(code)
    return definition_from_content(definition_content(code), code=code)


class UnknownInstrumentVersion(LookupError):
    """Neither the current definition nor the archive holds this version of an instrument."""

    def __init__(self, code: str, version: str) -> None:
        super().__init__(f"{code} {version}")
        self.code, self.version = code, version

    def __str__(self) -> str:
        return f"no definition of {self.code!r} version {self.version!r} is shipped"


def definition_content(code: str, version: str | None = None) -> dict:
    """The shipped JSON of an instrument definition, as data: the current file, or with
    `version` the current file when it has that version, else the archived one
    (`definitions/archive/<code>/<version>.json`). What protocol versions pin and digest."""
    if code not in list_codes():
        raise UnknownInstrument(code)
    current = json.loads((DEFINITIONS_DIR / f"{code}.json").read_text(encoding="utf-8"))
    if version is None or current.get("version") == version:
        return current
    path = ARCHIVE_DIR / code / f"{version}.json"
    if not _VERSION_RE.fullmatch(version) or not path.is_file():
        raise UnknownInstrumentVersion(code, version)
    return json.loads(path.read_text(encoding="utf-8"))


def definition_from_content(content: dict, *, code: str) -> InstrumentDefinition:
    """Validate definition data (a file's or a pinned copy) that must be instrument `code`."""
    definition = InstrumentDefinition.model_validate(content)
    if definition.code != code:
        raise ValueError(f"{code}: the definition declares code {definition.code!r}")
    return definition


@cache
def definition(code: str, version: str) -> InstrumentDefinition:
    """Instrument `code` at `version`, current or archived: how old administrations are
    rescored with the definition they were scored with. Raises UnknownInstrumentVersion."""
    loaded = definition_from_content(definition_content(code, version), code=code)
    if loaded.version != version:
        raise ValueError(f"{code}: archive file {version}.json declares {loaded.version!r}")
    return loaded


def content_digest(content: dict) -> str:
    """SHA-256 of definition data (canonical JSON): the digest an administration stores."""
    return sha256_digest(content)


def load_examples(code: str) -> list[dict[str, object]]:
    """Scored example answer sets shipped beside a definition (used by tests and demos)."""
    load_definition(code)
    path = DEFINITIONS_DIR / f"{code}.examples.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["examples"])
