"""Pure geometry for the server-rendered trajectory chart (inline SVG). No Django imports.

The chart is drawn by a template from these numbers: no charting library and no JavaScript,
so it renders in the page's first response, prints, and works with scripts off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 628, 12, 196


@dataclass(frozen=True)
class PlotPoint:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class BandRect:
    y: float
    height: float
    label: str
    shade: int


@dataclass(frozen=True)
class RefLine:
    y: float
    label: str
    kind: str


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Trajectory:
    points: tuple[PlotPoint, ...]
    polyline: str
    bands: tuple[BandRect, ...]
    lines: tuple[RefLine, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    sessions: tuple[Tick, ...] = ()  # dosing sessions inside the plotted period
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def y_label_x(self) -> int:
        return self.left - 4

    @property
    def x_label_y(self) -> int:
        return self.height - 4


def _y(value: float, lo: float, hi: float) -> float:
    span = (hi - lo) or 1
    return round(BOTTOM - (min(max(value, lo), hi) - lo) / span * (BOTTOM - TOP), 1)


def _x(moment: datetime, start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds()
    if span <= 0:
        return (LEFT + RIGHT) / 2
    return round(LEFT + (moment - start).total_seconds() / span * (RIGHT - LEFT), 1)


def build_trajectory(
    points: Sequence[tuple[datetime, float, str]],
    y_range: tuple[float, float],
    bands: Sequence[tuple[str, float, float]] = (),
    lines: Sequence[tuple[float, str, str]] = (),
    sessions: Sequence[datetime] = (),
) -> Trajectory:
    """`points`: (time, total, hover title) in time order; `bands`: (label, min, max) of the
    instrument's severity bands; `lines`: (value, label, kind) reference lines such as the
    response and remission thresholds; `sessions`: dosing times to mark (those outside the
    plotted period are left out). Values are instrument points."""
    lo, hi = y_range
    start, end = points[0][0], points[-1][0]
    plotted = tuple(PlotPoint(_x(t, start, end), _y(v, lo, hi), title) for t, v, title in points)
    rects = []
    for i, (label, b_min, b_max) in enumerate(bands):
        top = _y(min(b_max + 1, hi), lo, hi)
        rects.append(BandRect(top, round(_y(b_min, lo, hi) - top, 1), label, i % 5))
    x_ticks = [Tick(_x(start, start, end), f"{start:%Y-%m-%d}")]
    if end != start:
        x_ticks.append(Tick(_x(end, start, end), f"{end:%Y-%m-%d}"))
    y_values = sorted({lo, hi, *(b_min for _, b_min, _ in bands)})
    return Trajectory(
        points=plotted,
        polyline=" ".join(f"{p.x},{p.y}" for p in plotted),
        bands=tuple(rects),
        lines=tuple(RefLine(_y(v, lo, hi), label, kind) for v, label, kind in lines),
        x_ticks=tuple(x_ticks),
        y_ticks=tuple(Tick(_y(v, lo, hi), f"{v:g}") for v in y_values),
        sessions=tuple(
            Tick(_x(moment, start, end), f"Dosing session {moment:%Y-%m-%d %H:%M}")
            for moment in sorted(sessions)
            if start <= moment <= end
        ),
    )
