"""Measurement completeness of treatment plans: the protocol's due measures against the
administrations received (pure rules in `outcomes.completeness`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.outcomes.completeness import (
    CompletenessReport,
    Received,
    ScheduledMeasure,
    assess_completeness,
    expected_measures,
)
from ketamine_care.patients.models import RecordStatus


@dataclass(frozen=True)
class PlanCompleteness:
    plan: TreatmentPlan
    report: CompletenessReport


def received_measures(administrations: Iterable[Administration]) -> list[Received]:
    # Local wall-clock times: a session's measures count on the clinic's calendar day.
    return [
        Received(a.instrument_code, timezone.localtime(a.administered_at).replace(tzinfo=None),
                 a.time_point)
        for a in administrations
        if a.status == RecordStatus.ACTIVE
    ]  # fmt: skip


def plan_completeness(
    plan: TreatmentPlan,
    received: Sequence[Received],
    *,
    today: date | None = None,
    definition=None,
) -> CompletenessReport:
    """Expected versus received measures for the plan's visits up to `today`.

    A visit counts as held once its date has come; its measures are due on that day.
    `definition`: the plan's parsed protocol definition, when the caller already has it (a
    batch of plans parses each version once).
    """
    today = today or clinic_today(plan.patient.clinic)
    definition = definition or plan.protocol_version.parsed()
    schedule = [
        ScheduledMeasure(item.instrument, item.time_point, item.every_session)
        for item in definition.monitoring.instruments_at
    ]
    held = [datetime.combine(v.date, time.min) for v in plan.visits.all() if v.date <= today]
    return assess_completeness(
        expected_measures(schedule, held),
        received,
        outcome_instrument=definition.outcome.instrument,
        session_starts=held,
    )


def patient_plan_completeness(patient, plans: Sequence[TreatmentPlan]) -> list[PlanCompleteness]:
    """Completeness of each of `plans` (one query for the patient's administrations)."""
    if not plans:
        return []
    received = received_measures(Administration.objects.filter(patient=patient))
    return [PlanCompleteness(plan, plan_completeness(plan, received)) for plan in plans]


@dataclass(frozen=True)
class ClinicCompleteness:
    plans: int
    expected: int
    received: int
    analysable: int

    @property
    def rate(self) -> float | None:
        return None if self.expected == 0 else self.received / self.expected


def clinic_completeness(clinic) -> ClinicCompleteness:
    """Completeness over the clinic's active plans (two queries plus the plans' visits)."""
    plans = list(
        TreatmentPlan.objects.filter(patient__clinic=clinic, status=PlanStatus.ACTIVE)
        .select_related("protocol_version")
        .prefetch_related("visits")
    )
    by_patient: dict[int, list[Received]] = {}
    rows = Administration.objects.filter(patient_id__in={p.patient_id for p in plans})
    for a in rows.only("patient_id", "instrument_code", "administered_at", "time_point", "status"):
        by_patient.setdefault(a.patient_id, []).extend(received_measures([a]))
    reports = [plan_completeness(p, by_patient.get(p.patient_id, [])) for p in plans]
    return ClinicCompleteness(
        plans=len(reports),
        expected=sum(r.expected for r in reports),
        received=sum(r.received for r in reports),
        analysable=sum(r.analysable for r in reports),
    )
