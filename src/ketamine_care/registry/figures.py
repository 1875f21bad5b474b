"""The dashboard's figures from the aggregates, with small cells suppressed (pure).

A cell is a count of patients. A cell of 1 to 4 patients is never shown: the page says
"fewer than 5", and a figure computed from such a cell (a rate, a rate's complement, a
number at risk, a histogram bar, a per-100-sessions rate) is withheld with it. An empty cell
(0) names no one and is shown. docs/RESEARCH.md, "Small cells", says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ketamine_care.registry.stats import Proportion, Survival, at_risk, kaplan_meier, wilson

MIN_CELL = 5
FEWER = f"fewer than {MIN_CELL}"


def small(patients: int) -> bool:
    return 0 < patients < MIN_CELL


def shown(count: int, patients: int) -> str:
    """A count as the page prints it."""
    return FEWER if small(patients) else str(count)


@dataclass(frozen=True)
class Rate:
    key: str  # "induction", "3m", ..., "4h"
    label: str
    measure: str  # "response" | "remission"
    reached: str  # courses that reached the point, as printed
    analysable: str  # of those, analysable with a known outcome, as printed
    proportion: Proportion | None  # None: suppressed or nobody analysable
    suppressed: bool

    @property
    def percent(self) -> str:
        p = self.proportion
        return "" if p is None else f"{p.estimate * 100:.0f} %"

    @property
    def interval(self) -> str:
        p = self.proportion
        return "" if p is None else f"{p.low * 100:.0f}–{p.high * 100:.0f} %"


def rate(counts: Mapping[str, int], column: str, reached: str, **labels) -> Rate:
    """A rate from `outcome_counts`: `column` is e.g. "response_3m" or "early_4h"."""
    n, n_p = counts[f"{column}_n"], counts[f"{column}_n_p"]
    k_p, no_p = counts[f"{column}_k_p"], counts[f"{column}_no_p"]
    suppressed = small(n_p) or small(k_p) or small(no_p)
    proportion = None if suppressed or n == 0 else wilson(counts[f"{column}_k"], n)
    return Rate(
        reached=shown(counts[f"{reached}"], counts[f"{reached}_p"]) if reached else "",
        analysable=shown(n, n_p),
        proportion=proportion,
        suppressed=suppressed,
        **labels,
    )


@dataclass(frozen=True)
class AtRisk:
    day: int
    shown: str


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier curve drawn only while 5 or more courses are at risk."""

    survival: Survival | None
    drawn_until: float | None
    at_risk: tuple[AtRisk, ...]
    median: float | None
    courses: str
    events: str
    suppressed: bool


def at_risk_days(longest: float) -> list[int]:
    """Days for the number-at-risk row: 0, then every 30 days (90 past a year)."""
    step = 30 if longest <= 365 else 90
    return list(range(0, int(longest) + 1, step)) or [0]


def curve(times: Sequence[tuple], patients: int) -> Curve:
    """`times`: (days, event) per course, or (days, event, courses) grouped."""
    durations = [t[0] for t in times]
    events = [bool(t[1]) for t in times]
    weights = [t[2] if len(t) > 2 else 1 for t in times]
    n_events = sum(w for e, w in zip(events, weights, strict=True) if e)
    courses = sum(weights)
    if not durations or patients < MIN_CELL:
        return Curve(None, None, (), None, shown(courses, patients), "", bool(durations))
    survival = kaplan_meier(durations, events, weights)
    rows = at_risk(durations, at_risk_days(max(durations)), weights)
    table = tuple(AtRisk(day, FEWER if small(n) else str(n)) for day, n in rows)
    # Stop the curve at the last day with at least MIN_CELL at risk.
    risk = dict(at_risk(durations, [p.day for p in survival.points], weights))
    drawn = max((p.day for p in survival.points if risk[p.day] >= MIN_CELL), default=0)
    median = survival.median if survival.median is not None and survival.median <= drawn else None
    return Curve(
        survival=survival,
        drawn_until=drawn,
        at_risk=table,
        median=median,
        courses=str(courses),
        events=str(n_events) if not small(n_events) else FEWER,
        suppressed=False,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    count: int | None  # None: suppressed
    shown: str


def bars(rows: Sequence[Mapping], width: float, unit: str, count_key: str) -> list[Bar]:
    out = []
    for row in rows:
        low = row["bin"] * width
        label = f"{_num(low)}–{_num(low + width)} {unit}".strip()
        hidden = small(row["patients"])
        count = row[count_key]
        out.append(Bar(label, None if hidden else count, shown(count, row["patients"])))
    return out


def _num(value: float) -> str:
    return f"{value:.1f}" if value != int(value) else f"{int(value)}"


@dataclass(frozen=True)
class SafetyRow:
    protocol_id: str
    patients: str
    sessions: int
    events_per_100: str
    alerts_per_100: str


def per_100(count: int, sessions: int, patients_with: int) -> str:
    if small(patients_with):
        return FEWER + " patients"
    if sessions == 0:
        return "no sessions"
    return f"{count * 100 / sessions:.1f}"


def safety_rows(rows: Sequence[Mapping]) -> list[SafetyRow]:
    out = []
    for row in rows:
        hidden = small(row["patients"])
        out.append(
            SafetyRow(
                protocol_id=row["protocol_id"],
                patients=shown(row["patients"], row["patients"]),
                sessions=row["sessions_held"],
                events_per_100=FEWER + " patients"
                if hidden
                else per_100(row["events"], row["sessions_held"], row["event_patients"]),
                alerts_per_100=FEWER + " patients"
                if hidden
                else per_100(row["alerts"], row["sessions_held"], row["alert_patients"]),
            )
        )
    return out


@dataclass(frozen=True)
class CompletenessRow:
    protocol_id: str
    courses: str
    expected: str
    received: str
    percent: str
    analysable: str


def completeness_rows(rows: Sequence[Mapping]) -> list[CompletenessRow]:
    out = []
    for row in rows:
        hidden = small(row["patients"])
        expected, received = row["expected"], row["received"]
        percent = "" if hidden or not expected else f"{received * 100 / expected:.0f} %"
        out.append(
            CompletenessRow(
                protocol_id=row["protocol_id"],
                courses=shown(row["courses"], row["patients"]),
                expected=FEWER + " patients" if hidden else str(expected),
                received=FEWER + " patients" if hidden else str(received),
                percent=percent,
                analysable=shown(row["analysable_n"], row["analysable_p"]),
            )
        )
    return out
