"""Rating-scale rows for synthetic courses. MADRS follows the demo's response patterns
(`demo.score_histories.PATTERNS`: the 24-hour level after each infusion, then the weeks
after the series), carried to 3, 6 and 12 months by `catalogue.LATER`; CADSS is taken 40
minutes after each dose. Answers come from `answers_for_total` (the suicide item held at 0,
as the demo does, so no safety alert is due) and are scored by the app's own scorer once per
total and variant, then reused."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from ketamine_care.demo.score_histories import PATTERNS, SUICIDE_ITEMS_AT_ZERO, answers_for_total
from ketamine_care.instruments.scoring import score

LATER_NOISE = 2.0


@dataclass(frozen=True)
class Scored:
    """The columns `record_administration` stores for one answer set."""

    answers: str
    total: int
    band: str
    subscales: str
    flags: str
    risk: str


class AnswerBank:
    """Scored answer sets per (instrument, total): a few variants each, made on first use
    from a generator seeded by the run's seed, the instrument and the total (so the bank is
    the same whatever order batches ask in)."""

    def __init__(self, seed: int, instruments: dict, variants: int) -> None:
        self.seed = seed
        self.instruments = instruments
        self.variants = variants
        self.bank: dict[tuple[str, int], list[Scored]] = {}

    def pick(self, code: str, total: int, rng: random.Random) -> Scored:
        key = (code, total)
        if key not in self.bank:
            self.bank[key] = self._make(code, total)
        return self.bank[key][rng.randrange(self.variants)]

    def _make(self, code: str, total: int) -> list[Scored]:
        definition, _digest = self.instruments[code]
        rng = random.Random(f"answers:{self.seed}:{code}:{total}")
        made = []
        for _ in range(self.variants):
            answers = answers_for_total(code, total, rng, SUICIDE_ITEMS_AT_ZERO.get(code))
            result = score(definition, answers)
            made.append(
                Scored(
                    answers=json.dumps(result.item_values),
                    total=result.total,
                    band=result.band or "",
                    subscales=json.dumps(result.subscales),
                    flags=json.dumps(list(result.flags)),
                    risk=result.risk or "",
                )
            )
        return made


def level(baseline: int, fraction: float, rng: random.Random) -> int:
    """A MADRS total near `fraction` of the baseline (the demo's noise of +-1.5 points)."""
    return max(0, round(baseline * fraction + rng.uniform(-1.5, 1.5)))


def after_session(pattern: str, index: int) -> float:
    """Fraction of baseline 24 h after session `index` (0-based); longer series hold the
    pattern's last level."""
    after = PATTERNS[pattern][0]
    return after[min(index, len(after) - 1)]


def after_series(pattern: str, week: int) -> float:
    """Fraction of baseline `week` weeks (1-4) after the last session."""
    return PATTERNS[pattern][1][week - 1]


def cadss_total(first_peak: int, index: int, rng: random.Random) -> int:
    """Dissociation 40 minutes after dose `index`: the first session's peak, easing with
    repeated doses."""
    return max(0, round(first_peak * (0.85**index) + rng.uniform(-2, 2)))
