"""Pure geometry for the dashboard's server-rendered SVG charts (no Django, no JavaScript),
drawn by templates like the trajectory chart: they render in the first response and print.
Every chart has a data table beside it with the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketamine_care.registry.figures import Bar, Curve, Rate

WIDTH = 640
LEFT, RIGHT, TOP = 170, 620, 10
ROW = 26


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class RateBar:
    y: float
    label: str
    x: float  # the bar ends at the estimate
    low: float  # the whisker: the 95 % interval
    high: float
    title: str
    suppressed: bool  # no bar: withheld (small cell) or nobody to count
    note: str = ""  # what the row says instead of a bar

    @property
    def width(self) -> float:
        return round(self.x - LEFT, 1)

    @property
    def mid(self) -> float:
        return self.y + 9


@dataclass(frozen=True)
class RateChart:
    bars: tuple[RateBar, ...]
    ticks: tuple[Tick, ...]
    height: int
    width: int = WIDTH
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP

    @property
    def axis_y(self) -> int:
        return self.height - 18


def _x(share: float) -> float:
    return round(LEFT + share * (RIGHT - LEFT), 1)


def rate_chart(rates: Sequence[Rate]) -> RateChart | None:
    """Horizontal bars with the Wilson interval as a whisker; a suppressed or empty rate keeps
    its row (labelled) with no bar."""
    if not rates:
        return None
    out = []
    for i, r in enumerate(rates):
        y = TOP + i * ROW
        p = r.proportion
        words = f"{r.label}: {r.percent} (95 % interval {r.interval})" if p else r.label
        out.append(
            RateBar(
                y=y,
                label=r.label,
                x=_x(p.estimate) if p else LEFT,
                low=_x(p.low) if p else LEFT,
                high=_x(p.high) if p else LEFT,
                title=words if p else f"{r.label}: {_note(r)}",
                suppressed=p is None,
                note="" if p else _note(r),
            )
        )
    ticks = tuple(Tick(_x(v / 100), f"{v} %") for v in (0, 25, 50, 75, 100))
    return RateChart(bars=tuple(out), ticks=ticks, height=TOP + len(rates) * ROW + 24)


def _note(r: Rate) -> str:
    return "fewer than 5 patients" if r.suppressed else "no rating to count"


@dataclass(frozen=True)
class CurveChart:
    path: str  # the step line
    band: str  # the 95 % interval as a closed polygon
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    median_x: float | None
    width: int = WIDTH
    height: int = 240
    left: int = 50
    right: int = RIGHT
    top: int = TOP
    bottom: int = 210


def curve_chart(figure: Curve) -> CurveChart | None:
    """The Kaplan-Meier step function up to `figure.drawn_until`."""
    if figure.survival is None or not figure.drawn_until:
        return None
    left, right, top, bottom = 50, RIGHT, TOP, 210
    end = float(figure.drawn_until)

    def x(day: float) -> float:
        return round(left + min(day, end) / end * (right - left), 1)

    def y(value: float) -> float:
        return round(bottom - float(value) * (bottom - top), 1)

    points = [p for p in figure.survival.points if p.day <= end]
    line, upper, lower = [f"{x(0)},{y(1)}"], [], []
    previous = (1.0, 1.0, 1.0)
    for p in points:
        line += [f"{x(p.day)},{y(previous[0])}", f"{x(p.day)},{y(p.survival)}"]
        upper += [f"{x(p.day)},{y(previous[2])}", f"{x(p.day)},{y(p.high)}"]
        lower += [f"{x(p.day)},{y(previous[1])}", f"{x(p.day)},{y(p.low)}"]
        previous = (p.survival, p.low, p.high)
    line.append(f"{x(end)},{y(previous[0])}")
    upper.append(f"{x(end)},{y(previous[2])}")
    lower.append(f"{x(end)},{y(previous[1])}")
    step = max(int(end // 4), 1)
    return CurveChart(
        path=" ".join(line),
        band=" ".join(upper + list(reversed(lower))),
        x_ticks=tuple(Tick(x(d), f"{d}") for d in range(0, int(end) + 1, step)),
        y_ticks=tuple(Tick(y(v / 100), f"{v} %") for v in (0, 50, 100)),
        median_x=x(figure.median) if figure.median is not None else None,
    )


@dataclass(frozen=True)
class HistogramBar:
    x: float
    y: float
    width: float
    height: float
    label: str
    title: str


@dataclass(frozen=True)
class HistogramChart:
    bars: tuple[HistogramBar, ...]
    width: int = WIDTH
    height: int = 200
    bottom: int = 170


def histogram_chart(bars: Sequence[Bar]) -> HistogramChart | None:
    """Vertical bars; a suppressed bar is left out (its label stays in the table)."""
    if not bars:
        return None
    tallest = max((b.count for b in bars if b.count is not None), default=0) or 1
    slot = (RIGHT - 50) / len(bars)
    out = []
    for i, b in enumerate(bars):
        height = 0.0 if b.count is None else round(b.count / tallest * 150, 1)
        out.append(
            HistogramBar(
                x=round(50 + i * slot + 2, 1),
                y=round(170 - height, 1),
                width=round(max(slot - 4, 1), 1),
                height=height,
                label=b.label,
                title=f"{b.label}: {b.shown}",
            )
        )
    return HistogramChart(bars=tuple(out))
