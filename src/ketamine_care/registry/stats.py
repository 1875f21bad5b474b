"""The dashboard's statistics (pure; no Django).

- `wilson(k, n)`: the Wilson score interval of a proportion [@wilson-1927], the interval
  Newcombe's comparison recommends over the simple (Wald) one, which can leave [0, 1] and
  collapses to zero width at 0 or n events [@newcombe-1998].
- `kaplan_meier(durations, events)`: the product-limit estimate of the share still free of the
  event, with censoring [@kaplan-meier-1958], through lifelines' `KaplanMeierFitter` (its
  95 % interval is the exponential Greenwood one).
- `at_risk(durations, times)`: the number-at-risk row printed under a survival curve.
- `median_time_to_response(days, responded)`: the Kaplan-Meier median of the time to first
  response, courses without a response censored at their last rating (a plain median of the
  responders would ignore everyone who has not responded yet).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True)
class Proportion:
    k: int
    n: int
    estimate: float
    low: float
    high: float


def wilson(k: int, n: int, z: float = 1.96) -> Proportion | None:
    """`k` of `n` with its Wilson score interval (95 % with z = 1.96); None when n = 0."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return None
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At k = 0 (or n) the bound is exactly 0 (or 1); rounding must not move it off.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Proportion(k=k, n=n, estimate=p, low=low, high=high)


@dataclass(frozen=True)
class CurvePoint:
    day: float
    survival: float
    low: float
    high: float


@dataclass(frozen=True)
class Survival:
    n: int
    events: int
    censored: int
    points: tuple[CurvePoint, ...]  # a step function: the value from `day` on
    median: float | None  # None: the curve never reaches one half

    def at(self, day: float) -> float:
        """The estimate at `day` (1 before the first event)."""
        value = 1.0
        for point in self.points:
            if point.day > day:
                break
            value = point.survival
        return value


def _check(durations: Sequence[float], events: Sequence[bool]) -> None:
    if len(durations) != len(events):
        raise ValueError("durations and events must have the same length")
    if any(d < 0 or math.isnan(d) for d in durations):
        raise ValueError("durations must be non-negative numbers")


def kaplan_meier(
    durations: Sequence[float], events: Sequence[bool], weights: Sequence[int] | None = None
) -> Survival | None:
    """The Kaplan-Meier estimate; None for an empty cohort. `weights`: how many courses each
    (duration, event) stands for (grouped rows), 1 each when None."""
    _check(durations, events)
    weights = list(weights) if weights is not None else [1] * len(durations)
    if len(weights) != len(durations) or any(w < 1 for w in weights):
        raise ValueError("weights must be positive counts, one per duration")
    if not durations:
        return None
    from lifelines import KaplanMeierFitter  # heavy import, only where a curve is drawn

    fitted = KaplanMeierFitter().fit(list(durations), [bool(e) for e in events], weights=weights)
    estimate = fitted.survival_function_.iloc[:, 0]
    bounds = fitted.confidence_interval_survival_function_
    columns = (
        estimate.index.to_numpy(dtype=float),
        estimate.to_numpy(dtype=float),
        bounds.iloc[:, 0].to_numpy(dtype=float),
        bounds.iloc[:, 1].to_numpy(dtype=float),
    )
    points = tuple(
        CurvePoint(
            day=float(day),
            survival=float(value),
            low=_finite(low, float(value)),
            high=_finite(high, float(value)),
        )
        for day, value, low, high in zip(*columns, strict=True)
    )
    median = float(fitted.median_survival_time_)
    n_events = sum(w for e, w in zip(events, weights, strict=True) if e)
    return Survival(
        n=sum(weights),
        events=n_events,
        censored=sum(weights) - n_events,
        points=points,
        median=None if math.isinf(median) else median,
    )


def _finite(value, fallback: float) -> float:
    value = float(value)
    return fallback if math.isnan(value) else value


def at_risk(
    durations: Sequence[float], times: Sequence[float], weights: Sequence[int] | None = None
) -> list[tuple[float, int]]:
    """(time, number still followed and event-free at that time) for each of `times`:
    the courses whose time (event or censoring) is at or after it."""
    weights = list(weights) if weights is not None else [1] * len(durations)
    pairs = sorted(zip(durations, weights, strict=True))
    ordered = [d for d, _ in pairs]
    after = list(accumulate(reversed([w for _, w in pairs])))[::-1] + [0]
    return [(t, after[bisect_left(ordered, t)]) for t in times]


def median_time_to_response(
    days: Sequence[float], responded: Sequence[bool], weights: Sequence[int] | None = None
) -> tuple[float | None, Survival | None]:
    """The median day of first response (Kaplan-Meier, non-responders censored at their last
    rating) and the curve it comes from. The median is None until half have responded."""
    curve = kaplan_meier(days, responded, weights)
    return (curve.median if curve else None), curve
