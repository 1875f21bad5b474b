"""Reads for measurement-based care: outcomes and trajectories per instrument, and alerts.

A chart costs the same with 20 administrations and 5,000: each instrument's summary comes
from its snapshot (`outcomes.summaries`, checked against one aggregate query), and the
trajectory and data table show one page of ratings (`RATINGS_PAGE_SIZE`, newest first, with
"Older ... ratings" links) read with only the columns they show. Chart geometry is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.timezone import localtime

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.audit.services import record_read
from ketamine_care.instruments.definition import InstrumentDefinition, load_definition
from ketamine_care.instruments.forms import instrument_choices
from ketamine_care.instruments.models import Administration
from ketamine_care.outcomes.latest import latest_flags_by_code
from ketamine_care.outcomes.models import SEVERITY_ORDER, SafetyAlert, SafetyPlan
from ketamine_care.outcomes.providers import dose_times, remission_rules
from ketamine_care.outcomes.rules import (
    EarlyResponseView,
    OutcomeSummary,
    OutcomeThresholds,
    RemissionRule,
)
from ketamine_care.outcomes.services import (
    SUICIDALITY_FLAG,
    SUICIDALITY_RULES,
    clinic_thresholds,
    current_safety_plan,
    safety_settings_for,
)
from ketamine_care.outcomes.summaries import (
    LatestRating,
    OutcomeDigest,
    compute_digest,
    digests,
    instrument_rules,
    row_states,
)
from ketamine_care.outcomes.trajectory import Trajectory, build_trajectory

RATINGS_PAGE_SIZE = 25  # ratings per page of an instrument's trajectory and data table
# What a page of ratings shows (trajectory, hover titles, data table): no answers or notes.
RATING_COLUMNS = ("administered_at", "total", "band", "risk", "flags", "time_point",
                  "follow_up_day", "source")  # fmt: skip


@dataclass(frozen=True)
class RatingsPage:
    """One page of an instrument's active ratings, newest first (`?ratings_<code>=N`)."""

    rows: list[Administration]
    number: int
    count: int
    code: str
    size: int = RATINGS_PAGE_SIZE

    @property
    def label(self) -> str:
        """The instrument's short name for the links: "PHQ-9" of "Patient Health
        Questionnaire-9 (PHQ-9)", else its name."""
        name = load_definition(self.code).name
        short = re.search(r"\(([^()]+)\)$", name)
        return short.group(1) if short else name

    @property
    def param(self) -> str:
        return page_param(self.code)

    @property
    def chronological(self) -> list[Administration]:
        return self.rows[::-1]

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)

    @property
    def has_older(self) -> bool:
        return self.last < self.count

    @property
    def has_newer(self) -> bool:
        return self.number > 1

    @property
    def paged(self) -> bool:
        return self.count > self.size

    @property
    def older_number(self) -> int:
        return self.number + 1

    @property
    def newer_number(self) -> int:
        return self.number - 1


def page_param(code: str) -> str:
    return f"ratings_{code}"


@dataclass(frozen=True)
class InstrumentOutcome:
    definition: InstrumentDefinition
    count: int  # active administrations
    latest: LatestRating
    summary: OutcomeSummary | None
    response_label: str
    response_source: str
    remission_label: str
    remission_source: str
    trajectory: Trajectory | None
    early: EarlyResponseView | None = None
    relapse_label: str = ""
    relapse_source: str = ""
    # Rated only after the first dosing session and no administration marked as the baseline:
    # no response or remission is claimed until a clinician marks one.
    no_baseline: bool = False
    scored: int = 0  # administrations with a total (what the trajectory plots)
    ratings: RatingsPage | None = None  # the page of ratings the chart shows


def _title(definition: InstrumentDefinition, a: Administration) -> str:  # hover text
    band = f" ({a.band.replace('_', ' ')})" if a.band else ""
    return f"{localtime(a.administered_at):%Y-%m-%d %H:%M}: {definition.name} {a.total}{band}"


def _assemble(definition, digest: OutcomeDigest, rules, trajectory, ratings=None):
    return InstrumentOutcome(
        definition=definition,
        count=digest.count,
        latest=digest.latest,
        summary=digest.summary,
        response_label=rules.response.label if rules.response else "",
        response_source=rules.response.source if rules.response else "",
        remission_label=rules.remission.label if rules.remission else "",
        remission_source=rules.remission.source if rules.remission else "",
        trajectory=trajectory,
        early=digest.early,
        relapse_label=rules.relapse.label if rules.relapse else "",
        relapse_source=rules.relapse.source if rules.relapse else "",
        no_baseline=digest.no_baseline,
        scored=digest.scored,
        ratings=ratings,
    )


def _outcome(
    code: str,
    rows: list[Administration],
    thresholds: OutcomeThresholds,
    chart: bool,
    sessions: list = (),
    protocol_remission: dict[str, RemissionRule] | None = None,
):
    """One instrument's outcome computed from all its rows (chronological), the trajectory
    plotting every scored one: the full computation, without snapshot or paging."""
    definition = load_definition(code)
    rules = instrument_rules(code, thresholds, protocol_remission)
    digest = compute_digest(rows, rules, sessions)
    scored = [a for a in rows if a.total is not None]
    trajectory = None
    if chart and scored:
        trajectory = _trajectory(definition, scored, digest.summary, rules, sessions)
    return _assemble(definition, digest, rules, trajectory)


def _trajectory(definition, scored, summary, rules, sessions=()) -> Trajectory:
    total_range = definition.total_range
    bands = definition.banding.bands if definition.banding else ()
    lines = []
    if rules.response and summary is not None and summary.baseline.total > rules.floor:
        above_floor = summary.baseline.total - rules.floor
        value = rules.floor + above_floor * (1 - rules.response.percent_reduction / 100)
        lines.append((value, rules.response.label, "response"))
    if rules.remission:
        lines.append((rules.remission.value, rules.remission.label, "remission"))
    # The clinic's wall clock (the zone this request activated) labels the axis and marks.
    return build_trajectory(
        [(localtime(a.administered_at), a.total, _title(definition, a)) for a in scored],
        (total_range.min, total_range.max),
        [(b.label, b.min, b.max) for b in bands],
        lines,
        [localtime(moment) for moment in sessions],
    )


def _page_number(raw, count: int) -> int:
    """The page asked for (1 = the newest); out of range or unreadable: the nearest page."""
    pages = max(1, -(-count // RATINGS_PAGE_SIZE))
    try:
        return min(max(int(raw), 1), pages)
    except (TypeError, ValueError):
        return 1


def ratings_pages(patient, counts: dict[str, int], pages=None) -> dict[str, RatingsPage]:
    """The page each instrument shows of its active ratings (`pages`: the request's
    `ratings_<code>` numbers, default the newest), all in one query whatever the number of
    instruments or ratings: one `LIMIT`ed walk down the timeline index per instrument, joined
    by `UNION ALL`, with only the columns a page shows. (Each branch sits in its own subquery:
    SQLite takes no `ORDER BY`/`LIMIT` on a bare compound member.)"""
    numbers = {code: _page_number((pages or {}).get(page_param(code)), n)
               for code, n in counts.items()}  # fmt: skip
    branches, params = [], []
    for i, (code, number) in enumerate(sorted(numbers.items())):
        start = (number - 1) * RATINGS_PAGE_SIZE
        page = (
            Administration.objects.active()
            .filter(patient=patient, instrument_code=code)
            .order_by("-administered_at", "-id")
            .values_list("id", "instrument_code", *RATING_COLUMNS)[
                start : start + RATINGS_PAGE_SIZE
            ]
        )
        sql, branch_params = page.query.sql_with_params()
        branches.append(f"SELECT * FROM ({sql}) AS page_{i}")
        params.extend(branch_params)
    by_code: dict[str, list[Administration]] = {code: [] for code in counts}
    if branches:
        for row in Administration.objects.raw(" UNION ALL ".join(branches), params):
            by_code[row.instrument_code].append(row)
    return {
        code: RatingsPage(rows=sorted(rows, key=_newest_first), number=numbers[code],
                          count=counts[code], code=code)
        for code, rows in by_code.items()
    }  # fmt: skip


def _newest_first(row: Administration):
    return (-row.administered_at.timestamp(), -row.id)


def instrument_outcomes(
    patient, thresholds: OutcomeThresholds, *, chart: bool = True, pages=None
) -> list[InstrumentOutcome]:
    """One entry per instrument the patient has active administrations of, by name. The
    summaries come from their snapshots (`outcomes.summaries`); `chart` adds a page of
    ratings per instrument (`pages`: the request's `ratings_<code>` numbers, default the
    newest) and the trajectory of that page."""
    sessions = dose_times(patient)
    states = row_states(patient)
    if not states:
        return []
    remission = remission_rules(patient)
    rules = {code: instrument_rules(code, thresholds, remission) for code in states}
    found = digests(patient, rules, sessions, states)
    shown = ratings_pages(patient, {c: d.count for c, d in found.items()}, pages) if chart else {}
    outcomes = []
    for code, digest in found.items():
        definition = load_definition(code)
        ratings, trajectory = shown.get(code), None
        if ratings is not None:
            plotted = [a for a in ratings.chronological if a.total is not None]
            if plotted:
                trajectory = _trajectory(definition, plotted, digest.summary, rules[code], sessions)
        outcomes.append(_assemble(definition, digest, rules[code], trajectory, ratings))
    return sorted(outcomes, key=lambda o: o.definition.name)


def open_alerts_for_patient(patient) -> list[SafetyAlert]:
    alerts = patient.safety_alerts.open().select_related("administration")
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), -a.pk))


def shows_crisis_protocol(alerts: list[SafetyAlert]) -> bool:
    """A high-risk C-SSRS result shows the clinic's crisis protocol to clinicians (issue 3)."""
    return any(a.instrument_code == "cssrs_screener" and a.administration.risk == "high"
               for a in alerts if a.is_open)  # fmt: skip


def measures_context(membership, patient, pages=None) -> dict:
    """What the chart's measures section needs; empty for roles that may not see scores.
    `pages`: which page of each instrument's ratings to show (the request's query)."""
    if not has_capability(membership, Capability.VIEW_MEASURES):
        return {"measures_visible": False}
    settings = safety_settings_for(patient.clinic)
    alerts = open_alerts_for_patient(patient)
    outcomes = instrument_outcomes(patient, clinic_thresholds(settings), pages=pages)
    plan = current_safety_plan(patient)
    suicidality = suicidality_raised(alerts, [o.latest.flags for o in outcomes])
    return {
        "measures_visible": True,
        "instrument_choices": instrument_choices(),
        "outcomes": outcomes,
        "open_alerts": alerts,
        "safety_plan": plan,
        "safety_plan_needed": suicidality and plan is None,
        "suicidality_alert_ids": {a.pk for a in alerts if is_suicidality_alert(a)},
        "crisis_protocol": settings.crisis_protocol if shows_crisis_protocol(alerts) else "",
        "can_record": has_capability(membership, Capability.RECORD_ADMINISTRATION)
        and patient.is_active,
        "can_acknowledge": has_capability(membership, Capability.ACKNOWLEDGE_ALERT),
        "can_send_link": has_capability(membership, Capability.SEND_SELF_REPORT_LINK)
        and patient.is_active,
    }


def measures_section(request, patient) -> dict | None:
    """The chart's measures section (registered in `OutcomesConfig.ready`); None for roles
    that may not see scores."""
    context = measures_context(request.membership, patient, request.GET)
    return context if context["measures_visible"] else None


def is_suicidality_alert(alert: SafetyAlert) -> bool:
    """An alert raised by a result that carries the suicidality flag (PHQ-9 item 9, the MADRS,
    QIDS and HAM-D suicide items, any C-SSRS risk)."""
    return alert.rule_id in SUICIDALITY_RULES or SUICIDALITY_FLAG in (
        alert.administration.flags or []
    )


def suicidality_raised(open_alerts, latest_flags) -> bool:
    """The suicidality flag on any instrument's latest result, or an open suicidality alert."""
    return any(SUICIDALITY_FLAG in (flags or []) for flags in latest_flags) or any(
        is_suicidality_alert(a) for a in open_alerts
    )


def latest_flags(patient) -> list[list[str]]:
    """The flags of each instrument's latest active result (one query, `outcomes.latest`)."""
    return list(latest_flags_by_code(patient).values())


def patients_with_safety_plans(patient_ids) -> set[int]:
    return set(
        SafetyPlan.objects.filter(patient_id__in=set(patient_ids)).values_list(
            "patient_id", flat=True
        )
    )


def alerts_for_clinic(clinic, status: str = "open"):
    alerts = SafetyAlert.objects.filter(clinic=clinic).select_related("patient", "administration")
    if status in ("open", "acknowledged"):
        alerts = alerts.filter(status=status)
    return alerts.order_by("-created_at", "-id")


def record_alerts_listed(*, clinic, alerts, status: str, actor, request=None) -> None:
    """Audit a page of safety alerts shown: which patients, and which list (`status`)."""
    record_read(
        event_type="alerts.listed",
        actor=actor,
        clinic=clinic,
        part=status,
        patients=[a.patient for a in alerts],
        request=request,
    )
