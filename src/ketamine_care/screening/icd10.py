"""ICD-10-CM codes -> screening diagnosis words, failing safe (pure; no Django).

The map (`data/icd10_map.json`) holds code prefixes; the longest matching prefix wins. A
prefix may map to no words: the code is known and no screening rule concerns it. A chapter F
(mental and behavioural) code that no prefix matches is *unclassified*: screening reports it as
missing information ("classify this diagnosis") and never reads it as "no such diagnosis".
Codes outside chapter F are not psychiatric diagnoses and give no words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_MAP_FILE = Path(__file__).parent / "data" / "icd10_map.json"
ACTIVE = "active"
IN_REMISSION = "in_remission"
RESOLVED = "resolved"


@dataclass(frozen=True)
class CodeWords:
    """The words of one code; `classified` False for a chapter F code the map cannot resolve."""

    code: str
    words: tuple[str, ...]
    classified: bool


@cache
def icd10_map() -> dict[str, Any]:
    return json.loads(_MAP_FILE.read_text(encoding="utf-8"))


def normalise_code(code: str) -> str:
    return code.strip().upper()


def is_psychiatric(code: str) -> bool:
    return normalise_code(code).startswith("F")


def words_for(code: str, clinical_status: str = ACTIVE) -> CodeWords:
    """The screening words for a code with its clinical status (active, in_remission, resolved).

    Resolved diagnoses give only their `lifetime` words: a psychotic disorder or psychotic
    features count whatever the status, since current or lifetime psychosis excludes
    ([@lahti-2001] [@green-2011]). `active_only` words (current mania, delirium) come only
    from active ones. A use disorder whose status is "in remission" gives the remission word;
    psychotic disorders in remission still count, since they stay contraindications.
    """
    code = normalise_code(code)
    data = icd10_map()
    prefix = max((p for p in data["prefixes"] if code.startswith(p)), key=len, default=None)
    if prefix is None:
        return CodeWords(code, (), classified=not is_psychiatric(code))
    words = list(data["prefixes"][prefix])
    if clinical_status == RESOLVED:
        lifetime = [w for w in words if w in data["lifetime"]]
        return CodeWords(code, tuple(dict.fromkeys(lifetime)), classified=True)
    if clinical_status != ACTIVE:
        remission = data["remission_words"]
        words = [remission.get(w, w) for w in words if w not in data["active_only"]]
    return CodeWords(code, tuple(dict.fromkeys(words)), classified=True)
