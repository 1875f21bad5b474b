"""Timeline Followback (Sobell & Sobell 1992): drinks per day over a window. Pure.

Input: the sex the heavy-day line applies to, then standard drinks on each day of the window,
oldest first. Output: percent days abstinent, heavy drinking days (NIAAA: 5 or more drinks
for men, 4 or more for women) and percent heavy drinking days. The lines and the window
limits live in the definition's `calendar` section, never here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field

from ketamine_care.core.evidence import EvidenceTag

_SEPARATORS = re.compile(r"[\s,;]+")


class Calendar(BaseModel):
    """A repeated daily item: `day_item` once per day after the `sex_item` answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sex_item: str
    day_item: str
    min_days: int = Field(ge=1)
    max_days: int = Field(ge=1)
    heavy_day_min_drinks: dict[str, int]  # sex option value (as text) -> drinks
    sex_words: dict[str, int]  # "male" -> option value, for the command line
    source: str
    evidence: EvidenceTag


@dataclass(frozen=True)
class DrinkingSummary:
    days: int
    abstinent_days: int
    heavy_drinking_days: int
    drinks: int
    percent_days_abstinent: int
    percent_heavy_drinking_days: int

    def subscales(self) -> dict[str, int]:
        return {
            "days": self.days,
            "abstinent_days": self.abstinent_days,
            "heavy_drinking_days": self.heavy_drinking_days,
            "drinks": self.drinks,
            "percent_days_abstinent": self.percent_days_abstinent,
        }


def _percent(part: int, whole: int) -> int:
    # Whole percent, half up (0.5 -> 1): the stored total is an integer.
    exact = Decimal(part * 100) / Decimal(whole)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def summarise(calendar: Calendar, sex: int, drinks: Sequence[int]) -> DrinkingSummary:
    """Window summary; `sex` is the sex item's option value, `drinks` one count per day."""
    line = calendar.heavy_day_min_drinks[str(sex)]
    days = len(drinks)
    abstinent = sum(1 for d in drinks if d == 0)
    heavy = sum(1 for d in drinks if d >= line)
    return DrinkingSummary(
        days=days,
        abstinent_days=abstinent,
        heavy_drinking_days=heavy,
        drinks=sum(drinks),
        percent_days_abstinent=_percent(abstinent, days),
        percent_heavy_drinking_days=_percent(heavy, days),
    )


def flatten(calendar: Calendar, answers: Sequence[object] | Mapping[str, object]) -> list[object]:
    """[sex, day1, ..., dayN] from what callers give: that list itself, [sex, [days...]],
    [sex, "0 3 5 ..."] (a form field), or {sex_item: ..., day_item: ...}; the sex may be a
    word ("male"). Values are checked by the scorer, not here."""
    if isinstance(answers, Mapping):
        answers = [answers.get(calendar.sex_item), answers.get(calendar.day_item)]
    items = list(answers)
    if not items:
        return []
    sex, rest = items[0], items[1:]
    if isinstance(sex, str) and sex.strip().lower() in calendar.sex_words:
        sex = calendar.sex_words[sex.strip().lower()]
    if len(rest) == 1 and isinstance(rest[0], list | tuple):
        rest = list(rest[0])
    elif len(rest) == 1 and isinstance(rest[0], str):
        rest = [t for t in _SEPARATORS.split(rest[0].strip()) if t]
    return [sex, *rest]
