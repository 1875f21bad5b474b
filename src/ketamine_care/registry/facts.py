"""The facts of a batch of courses, read in a few queries per batch (never per course).

A course is a treatment plan. Its sessions are the dosing sessions of its planned visits,
plus the patient's ad-hoc sessions from the plan's start until the patient's next plan
starts; its ratings are the patient's active administrations before that next start (the
baseline is the last one on or before the first session, as the course review reads it).
Times are the clinic's local times, as the course review and completeness read them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from ketamine_care.core.clock import clinic_zone
from ketamine_care.courses.rules import course_rules
from ketamine_care.dosing.completeness import plan_completeness, received_measures
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.patients.models import RecordStatus
from ketamine_care.registry.rows import CourseFacts, Rating
from ketamine_care.treatment_sessions.models import AdverseEvent, SessionAlert, TreatmentSession

CADSS = "cadss"
# Alert rules about blood pressure (raised, sustained, before the dose, with symptoms, low):
# their ids in the protocols' alert thresholds start with these.
BP_RULE_PREFIXES = ("bp_", "pre_dose_bp_", "sbp_", "map_")


def bp_alert_q(prefix: str = "") -> Q:
    q = Q()
    for start in BP_RULE_PREFIXES:
        q |= Q(**{f"{prefix}rule__startswith": start})
    return q


@dataclass
class Safety:
    adverse_events: int = 0
    bp_alerts: int = 0
    cadss_peak: float | None = None


@dataclass(frozen=True)
class Batch:
    facts: dict[int, CourseFacts]  # plan id -> facts
    safety: dict[int, Safety]


def _local(when: datetime, zone) -> datetime:
    return timezone.localtime(when, zone).replace(tzinfo=None)


def _next_starts(patient_ids) -> dict[int, list[tuple[date, int]]]:
    """Each patient's courses as (start date, plan id), in start order."""
    starts: dict[int, list[tuple[date, int]]] = defaultdict(list)
    rows = (
        TreatmentPlan.objects.filter(patient_id__in=patient_ids)
        .exclude(status=PlanStatus.CANCELLED)
        .order_by("start_date", "id")
        .values_list("patient_id", "start_date", "id")
    )
    for patient_id, start, plan_id in rows:
        starts[patient_id].append((start, plan_id))
    return starts


def _course_of(starts: Sequence[tuple[date, int]], day: date) -> int | None:
    i = bisect_right([s for s, _ in starts], day)
    return starts[i - 1][1] if i else None


def _until(starts: Sequence[tuple[date, int]], plan_id: int) -> date | None:
    ids = [p for _, p in starts]
    i = ids.index(plan_id) if plan_id in ids else -1
    return starts[i + 1][0] if 0 <= i < len(starts) - 1 else None


def _sessions(patient_ids, starts, zones) -> dict[int, list[tuple[int, datetime]]]:
    """Plan id -> [(session id, clinic-local dosing time)]."""
    by_plan: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    rows = (
        TreatmentSession.objects.filter(patient_id__in=patient_ids, dosing_at__isnull=False)
        .exclude(state="cancelled")
        .values_list("id", "patient_id", "planned_visit__plan_id", "dosing_at")
    )
    for session_id, patient_id, plan_id, dosing_at in rows:
        local = _local(dosing_at, zones[patient_id])
        owner = plan_id or _course_of(starts.get(patient_id, ()), local.date())
        if owner is not None:
            by_plan[owner].append((session_id, local))
    return by_plan


def _administrations(patient_ids, zones) -> dict[int, list]:
    by_patient: dict[int, list] = defaultdict(list)
    columns = ("id", "patient_id", "instrument_code", "total", "administered_at", "time_point")
    rows = Administration.objects.filter(patient_id__in=patient_ids, status=RecordStatus.ACTIVE)
    for a in rows.only(*columns, "status").order_by("administered_at", "id"):
        a.local_at = _local(a.administered_at, zones[a.patient_id])
        by_patient[a.patient_id].append(a)
    return by_patient


def _counts(session_ids) -> tuple[dict[int, int], dict[int, int]]:
    events = dict(
        AdverseEvent.objects.filter(session_id__in=session_ids)
        .values("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
    )
    alerts = dict(
        SessionAlert.objects.filter(bp_alert_q(), session_id__in=session_ids)
        .values("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
    )
    return events, alerts


def gather(plans: Sequence[TreatmentPlan], today: dict[int, date]) -> Batch:
    """Facts of `plans` (with patient, clinic, protocol version and visits loaded);
    `today` maps clinic id -> the clinic's date."""
    patient_ids = {p.patient_id for p in plans}
    zones = {p.patient_id: clinic_zone(p.patient.clinic) for p in plans}
    starts = _next_starts(patient_ids)
    sessions = _sessions(patient_ids, starts, zones)
    administrations = _administrations(patient_ids, zones)
    all_sessions = [sid for rows in sessions.values() for sid, _ in rows]
    events, alerts = _counts(all_sessions)
    rules_cache: dict[int, tuple] = {}
    facts: dict[int, CourseFacts] = {}
    safety: dict[int, Safety] = {}
    for plan in plans:
        day = today[plan.patient.clinic_id]
        until = _until(starts.get(plan.patient_id, ()), plan.id)
        own = [a for a in administrations.get(plan.patient_id, ())
               if until is None or a.local_at.date() < until]  # fmt: skip
        held = sorted(t for _, t in sessions.get(plan.id, ()) if t.date() <= day)
        facts[plan.id] = _facts(plan, day, own, held, rules_cache)
        ids = [sid for sid, _ in sessions.get(plan.id, ())]
        safety[plan.id] = Safety(
            adverse_events=sum(events.get(s, 0) for s in ids),
            bp_alerts=sum(alerts.get(s, 0) for s in ids),
            cadss_peak=_cadss_peak(own, held),
        )
    return Batch(facts, safety)


def _cadss_peak(own, held: Sequence[datetime]) -> float | None:
    if not held:
        return None
    first = held[0].date()
    totals = [a.total for a in own if a.instrument_code == CADSS and a.total is not None
              and a.local_at.date() >= first]  # fmt: skip
    return float(max(totals)) if totals else None


def _facts(plan, day: date, own, held, rules_cache) -> CourseFacts:
    version = plan.protocol_version
    if version.pk not in rules_cache:
        definition = version.parsed()  # parsed once per version and batch
        rules_cache[version.pk] = (definition, course_rules(definition))
    definition, rules = rules_cache[version.pk]
    ratings = tuple(
        Rating(a.local_at, a.instrument_code, float(a.total))
        for a in own
        if a.total is not None and a.instrument_code in rules.instruments
    )
    report = plan_completeness(plan, received_measures(own), today=day, definition=definition)
    return CourseFacts(
        start_date=plan.start_date,
        today=day,
        ratings=ratings,
        session_times=tuple(held),
        rules=rules,
        completeness=report,
    )
