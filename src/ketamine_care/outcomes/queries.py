"""Reads for measurement-based care: outcomes and trajectories per instrument, and alerts.

Everything the chart shows comes from two queries (administrations, open alerts) plus the
clinic's safety settings; summaries and chart geometry are computed by pure functions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from django.utils.timezone import localtime

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.audit.services import record_read
from ketamine_care.instruments.definition import InstrumentDefinition, load_definition
from ketamine_care.instruments.forms import instrument_choices
from ketamine_care.instruments.models import Administration, TimePoint
from ketamine_care.outcomes.models import SEVERITY_ORDER, SafetyAlert, SafetyPlan
from ketamine_care.outcomes.providers import dose_times, remission_rules
from ketamine_care.outcomes.rules import (
    EarlyResponseView,
    OutcomeSummary,
    OutcomeThresholds,
    RemissionRule,
    ScorePoint,
    early_response,
    summarise_outcome,
)
from ketamine_care.outcomes.services import (
    SUICIDALITY_FLAG,
    SUICIDALITY_RULES,
    clinic_thresholds,
    current_safety_plan,
    safety_settings_for,
)
from ketamine_care.outcomes.trajectory import Trajectory, build_trajectory


@dataclass(frozen=True)
class InstrumentOutcome:
    definition: InstrumentDefinition
    administrations: list[Administration]  # chronological
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

    @property
    def latest(self) -> Administration:
        return self.administrations[-1]


def _baseline_index(rows: list[Administration], first_session=None) -> int | None:
    """The baseline: the last administration the clinician marked as baseline, else the last
    one before the first dosing session, else (None) the earliest."""
    marked = [i for i, a in enumerate(rows) if a.time_point == TimePoint.BASELINE]
    if marked:
        return marked[-1]
    if first_session is not None:
        before = [i for i, a in enumerate(rows) if a.administered_at <= first_session]
        if before:
            return before[-1]
    return None


def _title(definition: InstrumentDefinition, a: Administration) -> str:  # hover text
    band = f" ({a.band.replace('_', ' ')})" if a.band else ""
    return f"{localtime(a.administered_at):%Y-%m-%d %H:%M}: {definition.name} {a.total}{band}"


def _outcome(
    code: str,
    rows: list[Administration],
    thresholds: OutcomeThresholds,
    chart: bool,
    sessions: list = (),
    protocol_remission: dict[str, RemissionRule] | None = None,
):
    definition = load_definition(code)
    floor = definition.total_range.min if definition.total_range else 0
    rules = thresholds.for_instrument(code, floor=floor)
    if protocol_remission and code in protocol_remission:
        rules = replace(rules, remission=protocol_remission[code])
    scored = [a for a in rows if a.total is not None]
    summary = trajectory = early = None
    first_session = sessions[0] if sessions else None
    baseline = _baseline_index(scored, first_session)
    no_baseline = bool(scored) and baseline is None and first_session is not None
    if scored:
        points = [ScorePoint(a.administered_at, a.total) for a in scored]
        if not no_baseline:
            summary = summarise_outcome(points, baseline, rules, first_treatment_at=first_session)
        trajectory = _trajectory(definition, scored, summary, rules, sessions) if chart else None
        early = _early(points, sessions, rules)
    return InstrumentOutcome(
        definition=definition,
        administrations=rows,
        summary=summary,
        response_label=rules.response.label if rules.response else "",
        response_source=rules.response.source if rules.response else "",
        remission_label=rules.remission.label if rules.remission else "",
        remission_source=rules.remission.source if rules.remission else "",
        trajectory=trajectory,
        early=early,
        relapse_label=rules.relapse.label if rules.relapse else "",
        relapse_source=rules.relapse.source if rules.relapse else "",
        no_baseline=no_baseline,
    )


def _early(points: list[ScorePoint], sessions: list, rules) -> EarlyResponseView | None:
    """Early response (4 h, 24 h, day 7) after the latest session with a rating before it."""
    for session in reversed(sessions):
        if any(p.timestamp <= session for p in points):
            return early_response(points, session, rules.response, floor=rules.floor)
    return None


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


def instrument_outcomes(
    patient, thresholds: OutcomeThresholds, *, chart: bool = True
) -> list[InstrumentOutcome]:
    """One entry per instrument the patient has active administrations of, by name; `chart`
    adds the trajectory geometry."""
    sessions = dose_times(patient)
    by_code: dict[str, list[Administration]] = defaultdict(list)
    rows = Administration.objects.active().filter(patient=patient).chronological()
    # The chart needs totals, bands and flags, not the raw answers: skip decoding them.
    rows = rows.defer("answers", "subscales", "entered_in_error_reason", "updated_at")
    for a in rows:
        by_code[a.instrument_code].append(a)
    remission = remission_rules(patient) if by_code else {}
    outcomes = [
        _outcome(code, group, thresholds, chart, sessions, remission)
        for code, group in by_code.items()
    ]
    return sorted(outcomes, key=lambda o: o.definition.name)


def open_alerts_for_patient(patient) -> list[SafetyAlert]:
    alerts = patient.safety_alerts.open().select_related("administration")
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), -a.pk))


def shows_crisis_protocol(alerts: list[SafetyAlert]) -> bool:
    """A high-risk C-SSRS result shows the clinic's crisis protocol to clinicians (issue 3)."""
    return any(a.instrument_code == "cssrs_screener" and a.administration.risk == "high"
               for a in alerts if a.is_open)  # fmt: skip


def measures_context(membership, patient) -> dict:
    """What the chart's measures section needs; empty for roles that may not see scores."""
    if not has_capability(membership, Capability.VIEW_MEASURES):
        return {"measures_visible": False}
    settings = safety_settings_for(patient.clinic)
    alerts = open_alerts_for_patient(patient)
    outcomes = instrument_outcomes(patient, clinic_thresholds(settings))
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
    context = measures_context(request.membership, patient)
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
    """The flags of each instrument's latest active result (two columns, newest first)."""
    rows = (
        Administration.objects.active()
        .filter(patient=patient)
        .order_by("-administered_at", "-id")
        .values_list("instrument_code", "flags")
    )
    latest: dict[str, list[str]] = {}
    for code, flags in rows:
        latest.setdefault(code, flags)
    return list(latest.values())


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
