"""The clinic outcomes dashboard of one cohort, for one member, audited.

Scoped by the member's clinic (another clinic's courses never enter), computed from the
course summaries by SQL aggregates (`aggregates`), with small cells suppressed (`figures`).
The clinic admin (VIEW_REGISTRY_COUNTS) gets counts only: no rates, curves or doses. The read
is audited as one event naming the cohort filter and how many courses it counted; it names
no patient (the page shows none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ketamine_care.accounts.permissions import Capability, has_capability, require
from ketamine_care.audit.services import record
from ketamine_care.registry import aggregates as sql
from ketamine_care.registry import charts
from ketamine_care.registry import figures as fig
from ketamine_care.registry.cohorts import CohortFilter, filter_summaries
from ketamine_care.registry.cube_read import (
    Figures,
    consistent_read,
    cube_figures,
    reference_figures,
)

VIEWED = "registry.dashboard_viewed"


@dataclass(frozen=True)
class PointRates:
    key: str
    label: str
    reached: str
    response: fig.Rate
    remission: fig.Rate


@dataclass
class Dashboard:
    cohort: CohortFilter
    counts_only: bool
    courses: str
    patients: str
    analysable: str
    sessions: int
    refreshed_at: datetime | None
    stale: str
    cube_built_at: datetime | None = None  # None: counted from the summaries directly
    points: list[PointRates] = field(default_factory=list)
    response_chart: charts.RateChart | None = None
    remission_chart: charts.RateChart | None = None
    response_time: fig.Curve | None = None
    relapse: fig.Curve | None = None
    relapse_chart: charts.CurveChart | None = None
    early: list[fig.Rate] = field(default_factory=list)
    early_chart: charts.RateChart | None = None
    safety: list[fig.SafetyRow] = field(default_factory=list)
    cadss: list[fig.Bar] = field(default_factory=list)
    cadss_chart: charts.HistogramChart | None = None
    doses: list[fig.Bar] = field(default_factory=list)
    dose_chart: charts.HistogramChart | None = None
    completeness: list[fig.CompletenessRow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.courses == "0"

    @property
    def has_early(self) -> bool:
        return any(r.analysable != "0" for r in self.early)


def _points(counts) -> list[PointRates]:
    out = []
    for key, label, _reached in sql.time_points():
        labels = {"key": key, "label": label}
        out.append(
            PointRates(
                key=key,
                label=label,
                reached=fig.shown(counts[f"{key}_all"], counts[f"{key}_all_p"]),
                response=fig.rate(counts, f"response_{key}", "", measure="response", **labels),
                remission=fig.rate(counts, f"remission_{key}", "", measure="remission", **labels),
            )
        )
    return out


def _outcomes(board: Dashboard, figures: Figures) -> None:
    counts = figures.counts
    board.points = _points(counts)
    board.response_chart = charts.rate_chart([p.response for p in board.points])
    board.remission_chart = charts.rate_chart([p.remission for p in board.points])
    times = figures.response_times
    board.response_time = fig.curve(times, counts["analysable_p"] if times else 0)
    board.relapse = fig.curve(figures.relapse_times, figures.relapse_patients)
    board.relapse_chart = charts.curve_chart(board.relapse)
    board.early = [
        fig.rate(counts, f"early_{key}", "", key=key, label=label, measure="response")
        for key, label in sql.EARLY_WINDOWS
    ]
    board.early_chart = charts.rate_chart(board.early) if board.has_early else None
    board.safety = fig.safety_rows(figures.safety)
    board.cadss = fig.bars(figures.cadss, sql.CADSS_BIN, "points", "courses")
    board.cadss_chart = charts.histogram_chart(board.cadss)
    board.doses = fig.bars(figures.doses, sql.DOSE_BIN, "mg/kg", "doses")
    board.dose_chart = charts.histogram_chart(board.doses)


def cohort_choices(membership) -> tuple[list[str], list[str]]:
    """The protocols and indications the clinic's courses have (for the filter's lists)."""
    from ketamine_care.registry.models import CourseSummary

    rows = CourseSummary.objects.filter(clinic=membership.clinic)
    protocols = sorted(set(rows.values_list("protocol_id", flat=True).distinct()))
    indications = sorted(set(rows.values_list("indication", flat=True).distinct()))
    return protocols, indications


def cohort_figures(clinic, cohort: CohortFilter, *, full: bool, use_cube: bool = True):
    """The cohort's aggregates: from the clinic's cube when it is current, else from the
    summaries by the reference SQL (`use_cube=False` forces the latter); in one snapshot."""
    with consistent_read():
        found = cube_figures(clinic, cohort, full=full) if use_cube else None
        return found or reference_figures(filter_summaries(clinic, cohort), full=full)


def build_board(cohort: CohortFilter, figures: Figures, *, full: bool) -> Dashboard:
    """The page's figures from the cohort's aggregates, small cells suppressed (pure)."""
    counts = figures.counts
    board = Dashboard(
        cohort=cohort,
        counts_only=not full,
        courses=fig.shown(counts["courses"], counts["courses_p"]),
        patients=fig.shown(counts["courses_p"], counts["courses_p"]),
        analysable=fig.shown(counts["analysable"], counts["analysable_p"]),
        sessions=counts["sessions"],
        refreshed_at=counts["refreshed_at"],
        stale=str(counts["stale"]),
        cube_built_at=figures.cube_built_at,
    )
    board.completeness = fig.completeness_rows(figures.completeness)
    if full and counts["courses"]:
        _outcomes(board, figures)
    return board


def clinic_dashboard(
    membership, cohort: CohortFilter, *, request=None, use_cube: bool = True
) -> Dashboard:
    """The dashboard of `cohort` in the member's clinic (403 without a registry capability)."""
    require(membership, Capability.VIEW_REGISTRY_COUNTS)
    full = has_capability(membership, Capability.VIEW_REGISTRY)
    clinic = membership.clinic
    figures = cohort_figures(clinic, cohort, full=full, use_cube=use_cube)
    board = build_board(cohort, figures, full=full)
    record(
        event_type=VIEWED,
        actor=membership.user,
        clinic=clinic,
        changes={
            "cohort": cohort.describe(),
            "view": "outcomes" if full else "counts",
            "count": figures.counts["courses"],
        },
        request=request,
    )
    return board
