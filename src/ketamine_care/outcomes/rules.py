"""Pure outcome classification: change from baseline, response, remission, relapse, early response.

Every threshold comes from `outcomes/defaults.json` (clinic-editable defaults, each with a
source from the bibliography), never from this code. Totals are in the instrument's
own points; all instruments handled here score higher = worse.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ketamine_care.outcomes.relapse import RelapseEvent, SustainedRelapseRule, sustained_relapse_at

DEFAULTS_PATH = Path(__file__).parent / "defaults.json"
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponseRule(_Frozen):
    percent_reduction: float = Field(gt=0, le=100)
    source: str
    evidence: str
    editable: bool
    label: str


class RemissionRule(_Frozen):
    op: Literal["<", "<="]
    value: float
    source: str
    evidence: str
    editable: bool
    label: str

    def met_by(self, total: float) -> bool:
        return _OPS[self.op](total, self.value)


class LossOfResponseRule(_Frozen):
    """A responder who no longer meets response on this many consecutive administrations."""

    consecutive_non_response: int = Field(ge=1)
    source: str
    evidence: str
    editable: bool


class Window(_Frozen):
    label: str
    target_hours: float = Field(gt=0)
    tolerance_hours: float = Field(ge=0)
    why: str


class EarlyWindows(_Frozen):
    source: str
    evidence: str
    editable: bool
    windows: tuple[Window, ...]


class OutcomeThresholds(_Frozen):
    """All clinic outcome thresholds, keyed by instrument code."""

    version: str
    direction_note: str
    response: dict[str, ResponseRule]
    remission: dict[str, RemissionRule]
    loss_of_response: LossOfResponseRule
    relapse: dict[str, SustainedRelapseRule]
    early_response_windows: EarlyWindows

    def for_instrument(self, code: str, floor: float = 0) -> InstrumentThresholds:
        """Thresholds of one instrument; `floor` is its lowest possible total (percent change
        subtracts it)."""
        return InstrumentThresholds(
            instrument=code,
            response=self.response.get(code),
            remission=self.remission.get(code),
            relapse_consecutive=self.loss_of_response.consecutive_non_response,
            relapse=self.relapse.get(code),
            floor=floor,
        )

    def with_overrides(self, overrides: Mapping[str, Any]) -> OutcomeThresholds:
        """A copy with clinic edits merged in (same shape as defaults.json), re-validated."""
        overrides = dict(overrides)
        legacy = overrides.get("relapse")
        if isinstance(legacy, Mapping) and "consecutive_non_response" in legacy:
            # Before SUSTAIN-1 relapse, "relapse" held what is now the loss-of-response rule:
            # keep honouring a clinic's old edit rather than dropping it.
            overrides.pop("relapse")
            overrides["loss_of_response"] = {
                **dict(overrides.get("loss_of_response", {})),
                "consecutive_non_response": legacy["consecutive_non_response"],
            }
        merged = _deep_merge(self.model_dump(), overrides)
        return OutcomeThresholds.model_validate(merged)


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


@cache
def load_thresholds(path: Path = DEFAULTS_PATH) -> OutcomeThresholds:
    """Load and validate the shipped (or a clinic's) outcome thresholds file."""
    return OutcomeThresholds.model_validate(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class InstrumentThresholds:
    instrument: str
    response: ResponseRule | None
    remission: RemissionRule | None
    relapse_consecutive: int = 2  # loss of response: consecutive non-responses
    relapse: SustainedRelapseRule | None = None
    floor: float = 0


@dataclass(frozen=True)
class ScorePoint:
    """One administration's total (instrument points) at an aware or naive timestamp."""

    timestamp: datetime
    total: float


@dataclass(frozen=True)
class ResponseResult:
    baseline: float
    current: float
    percent_change: float | None
    threshold_percent: float
    responder: bool | None


@dataclass(frozen=True)
class RemissionResult:
    current: float
    rule: str
    remitter: bool


@dataclass(frozen=True)
class OutcomeSummary:
    instrument: str
    baseline: ScorePoint
    latest: ScorePoint
    change: float
    percent_change: float | None
    responder: bool | None
    remitter: bool | None
    first_response_at: datetime | None
    time_to_first_response: timedelta | None
    relapsed: bool | None  # None: the instrument has no relapse definition
    relapse_at: datetime | None
    administrations_after_baseline: int
    loss_of_response: bool = False
    loss_of_response_at: datetime | None = None


def percent_change(baseline: float, current: float, floor: float = 0) -> float | None:
    """Percent change of a total from baseline: negative = improvement on higher-is-worse scales.

    On a scale whose lowest total is not 0 (CDRS-R 17, BPRS-18 18) the floor is subtracted,
    (now - baseline) / (baseline - floor), so "100 % better" means the scale's floor
    (Obermeier 2010). None when the baseline is at the floor, where a percentage is undefined.
    """
    if baseline == floor:
        return None
    return (current - baseline) / (baseline - floor) * 100.0


def classify_response(
    baseline: float, current: float, rule: ResponseRule, floor: float = 0
) -> ResponseResult:
    """Responder when the total fell by at least `rule.percent_reduction` % of baseline
    (above the scale's `floor`).

    Thresholds per instrument from defaults.json (e.g. 50 % MADRS [@reif-2023]; 35 % Y-BOCS
    [@rodriguez-2013]).
    `responder` is None when the baseline is at the floor (no reduction can be computed).
    """
    change = percent_change(baseline, current, floor)
    responder = None if change is None else -change >= rule.percent_reduction
    return ResponseResult(baseline, current, change, rule.percent_reduction, responder)


def classify_remission(current: float, rule: RemissionRule) -> RemissionResult:
    """Remitter when the current total meets the instrument's cut-off (e.g. MADRS <= 10
    [@reif-2023])."""
    return RemissionResult(current, f"{rule.op} {rule.value:g}", rule.met_by(current))


def _check_order(points: Sequence[ScorePoint]) -> None:
    if not points:
        raise ValueError("points: at least one administration is needed")
    for earlier, later in zip(points, points[1:], strict=False):
        if later.timestamp < earlier.timestamp:
            raise ValueError("points: administrations must be in chronological order")


def baseline_index(
    points: Sequence[ScorePoint],
    chosen: int | datetime | None,
    first_treatment_at: datetime | None = None,
) -> int:
    """Index of the baseline: the clinician's choice (index or exact timestamp), else the last
    administration at or before the first treatment, else the first administration."""
    if isinstance(chosen, int):
        if not 0 <= chosen < len(points):
            raise ValueError(f"baseline index {chosen} is outside 0..{len(points) - 1}")
        return chosen
    if isinstance(chosen, datetime):
        for i, point in enumerate(points):
            if point.timestamp == chosen:
                return i
        raise ValueError(f"no administration at the chosen baseline time {chosen.isoformat()}")
    if first_treatment_at is None:
        return 0
    before = [i for i, p in enumerate(points) if p.timestamp <= first_treatment_at]
    if not before:
        raise ValueError("no administration before the first treatment; choose a baseline")
    return before[-1]


def _responses(
    base: float, later: Sequence[ScorePoint], rule: ResponseRule, floor: float = 0
) -> list[bool | None]:
    return [classify_response(base, p.total, rule, floor).responder for p in later]


def _loss_of_response(
    later: Sequence[ScorePoint], flags: Sequence[bool | None], run: int
) -> datetime | None:
    """Onset time of the first run of `run` consecutive non-responses after a first response."""
    responded, misses = False, 0
    for i, ok in enumerate(flags):
        if ok:
            responded, misses = True, 0
        elif responded:
            misses += 1
            if misses == run:
                return later[i - run + 1].timestamp
    return None


def summarise_outcome(
    points: Sequence[ScorePoint],
    baseline_index_or_time: int | datetime | None,
    thresholds: InstrumentThresholds,
    first_treatment_at: datetime | None = None,
    events: Sequence[RelapseEvent] = (),
) -> OutcomeSummary:
    """Baseline, latest, change, percent change, response, remission, time to first response,
    relapse and loss of response for one patient and instrument.

    Units: instrument points; percent of baseline above the scale's floor. Thresholds come
    from `thresholds` (defaults.json). Time to first response counts from the first treatment
    when given, else from the baseline administration. Relapse follows the instrument's
    SUSTAIN-1 rule (`relapse.py`; None when the instrument has none); `events` are relapse
    events (hospitalisation, suicide attempt) from the record. Loss of response: a responder
    who then fails response on `relapse_consecutive` consecutive administrations.
    """
    _check_order(points)
    idx = baseline_index(points, baseline_index_or_time, first_treatment_at)
    base, later, latest = points[idx], list(points[idx + 1 :]), points[-1]
    rule, floor = thresholds.response, thresholds.floor
    flags = _responses(base.total, later, rule, floor) if rule else []
    first = next((p for p, ok in zip(later, flags, strict=False) if ok), None)
    start = first_treatment_at or base.timestamp
    remission = thresholds.remission
    lost = _loss_of_response(later, flags, thresholds.relapse_consecutive) if rule else None
    relapse_at = None
    if thresholds.relapse is not None:
        after = first.timestamp if first else None
        relapse_at = sustained_relapse_at(later, thresholds.relapse, after, events)
    return OutcomeSummary(
        instrument=thresholds.instrument,
        baseline=base,
        latest=latest,
        change=latest.total - base.total,
        percent_change=percent_change(base.total, latest.total, floor),
        responder=flags[-1] if later and rule else None,
        remitter=remission.met_by(latest.total) if later and remission else None,
        first_response_at=first.timestamp if first else None,
        time_to_first_response=(first.timestamp - start) if first else None,
        relapsed=None if thresholds.relapse is None else relapse_at is not None,
        relapse_at=relapse_at,
        administrations_after_baseline=len(later),
        loss_of_response=lost is not None,
        loss_of_response_at=lost,
    )


@dataclass(frozen=True)
class EarlyResponseWindow:
    label: str
    target: datetime
    point: ScorePoint | None
    change: float | None
    percent_change: float | None
    responder: bool | None


@dataclass(frozen=True)
class EarlyResponseView:
    session_time: datetime
    pre_session: ScorePoint | None
    windows: tuple[EarlyResponseWindow, ...]


def _nearest(points: Sequence[ScorePoint], target: datetime, tol: timedelta) -> ScorePoint | None:
    inside = [p for p in points if abs(p.timestamp - target) <= tol]
    # Closest to the target wins; on a tie the earlier rating (listed first) is kept.
    return min(inside, key=lambda p: abs(p.timestamp - target), default=None)


def early_response(
    points: Sequence[ScorePoint],
    session_time: datetime,
    response: ResponseRule | None = None,
    windows: Sequence[Window] | None = None,
    floor: float = 0,
) -> EarlyResponseView:
    """Change from the pre-session rating at 4 h, 24 h and day 7 after one dosing session.

    Windows (defaults.json, after the NIMH rating schedule [@luckenbaugh-2014]):
    4 h +/- 1 h, 24 h +/- 6 h, day 7 +/- 1 day; within a window the rating nearest the
    target is used. The pre-session rating is the last one at or before `session_time`.
    `responder` uses `response` (the instrument's percent-reduction rule) when given.
    """
    _check_order(points)
    chosen = windows if windows is not None else load_thresholds().early_response_windows.windows
    before = [p for p in points if p.timestamp <= session_time]
    pre = before[-1] if before else None
    after = [p for p in points if p.timestamp > session_time]
    out = []
    for w in chosen:
        target = session_time + timedelta(hours=w.target_hours)
        point = _nearest(after, target, timedelta(hours=w.tolerance_hours))
        change = pct = responder = None
        if point is not None and pre is not None:
            change = point.total - pre.total
            pct = percent_change(pre.total, point.total, floor)
            if pct is not None and response is not None:
                responder = -pct >= response.percent_reduction
        out.append(EarlyResponseWindow(w.label, target, point, change, pct, responder))
    return EarlyResponseView(session_time, pre, tuple(out))
