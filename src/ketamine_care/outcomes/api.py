"""Outcome summaries per patient, and the clinic's safety alerts. Thin endpoints."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404
from ninja import Router, Status
from ninja.pagination import paginate

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.core.pagination import BoundedLimitOffsetPagination
from ketamine_care.outcomes import services
from ketamine_care.outcomes.access import access_alert
from ketamine_care.outcomes.models import SAFETY_PLAN_FIELDS, SafetyPlan
from ketamine_care.outcomes.queries import (
    alerts_for_clinic,
    instrument_outcomes,
    record_alerts_listed,
)
from ketamine_care.outcomes.schemas import (
    AcknowledgeIn,
    AlertOut,
    OutcomeOut,
    SafetyPlanIn,
    SafetyPlanOut,
)
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view

router = Router(tags=["outcomes"])
patient_router = Router(tags=["outcomes"])


# The relapse rule (SUSTAIN-1) counts events this application does not record: `relapsed`
# false is its score arm only, as the chart says beside it.
RELAPSE_APPLIED = (
    "Only the score arm is applied: hospitalisation for worsening depression, a suicide "
    "attempt and other clinically relevant events are not recorded here, so relapsed false "
    "does not exclude them."
)


def _rule(label: str, source: str, applied: str | None = None) -> dict | None:
    return {"label": label, "source": source, "applied": applied} if label else None


def outcome_out(o) -> dict:
    s = o.summary
    latest = o.latest
    return {
        "instrument": o.definition.code,
        "name": o.definition.name,
        "administrations": o.count,
        "baseline": {"administered_at": s.baseline.timestamp, "total": s.baseline.total}
        if s
        else None,
        "latest": {"administered_at": s.latest.timestamp, "total": s.latest.total} if s else None,
        "latest_band": latest.band or None,
        "latest_risk": latest.risk or None,
        "change": s.change if s else None,
        "percent_change": s.percent_change if s else None,
        "responder": s.responder if s else None,
        "remitter": s.remitter if s else None,
        "first_response_at": s.first_response_at if s else None,
        "time_to_first_response_days": s.time_to_first_response.total_seconds() / 86400
        if s and s.time_to_first_response
        else None,
        "relapsed": s.relapsed if s else None,
        "relapse_at": s.relapse_at if s else None,
        "response_rule": _rule(o.response_label, o.response_source),
        "remission_rule": _rule(o.remission_label, o.remission_source),
        "loss_of_response": s.loss_of_response if s else None,
        "loss_of_response_at": s.loss_of_response_at if s else None,
        "relapse_rule": _rule(o.relapse_label, o.relapse_source, RELAPSE_APPLIED),
    }


def alert_out(alert) -> dict:
    return {
        "id": alert.public_id,
        "patient_id": alert.patient.public_id,
        "administration_id": alert.administration.public_id,
        "rule_id": alert.rule_id,
        "instrument": alert.instrument_code,
        "severity": alert.severity,
        "message": alert.message,
        "observed": alert.observed,
        "threshold": alert.threshold,
        "care_team_task": alert.care_team_task,
        "patient_crisis_screen": alert.patient_crisis_screen,
        "unconfigured": alert.unconfigured,
        "source": alert.source,
        "status": alert.status,
        "created_at": alert.created_at,
        "acknowledge_by": alert.acknowledge_by,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledgement_note": alert.acknowledgement_note,
    }


@patient_router.get("/{patient_id}/outcomes", response=list[OutcomeOut])
def patient_outcomes(request, patient_id: UUID):
    """One summary per instrument the patient has active administrations of, over the whole
    history: `administrations` counts them all and `baseline`, `latest`, response, remission,
    relapse and loss of response use every one. The summaries are kept when a rating is
    recorded and checked against the history on each read, so this answers as fast for 5,000
    administrations as for 20. The ratings themselves are at `/administrations`."""
    patient = access_patient(request.membership, patient_id, Capability.VIEW_MEASURES)
    record_chart_view(patient=patient, actor=request.user, request=request, part="outcomes")
    thresholds = services.clinic_thresholds(services.safety_settings_for(patient.clinic))
    return [outcome_out(o) for o in instrument_outcomes(patient, thresholds, chart=False)]


class _AlertPage:
    """`on_page` gets the alerts of the page that is returned (to audit the read)."""

    def __init__(self, queryset, on_page=None) -> None:
        self.queryset = queryset
        self.on_page = on_page

    def __getitem__(self, item):
        rows = list(self.queryset[item])
        if self.on_page is not None:
            self.on_page(rows)
        return [alert_out(a) for a in rows]

    def __len__(self) -> int:
        return self.queryset.count()


@router.get("", response=list[AlertOut])
@paginate(BoundedLimitOffsetPagination)
def list_alerts(request, status: str = "open"):
    """The clinic's alerts, newest first; `status` is open (default), acknowledged or all."""
    require(request.membership, Capability.VIEW_MEASURES)

    def audit(rows) -> None:
        record_alerts_listed(
            clinic=request.membership.clinic,
            alerts=rows,
            status=status,
            actor=request.user,
            request=request,
        )

    return _AlertPage(alerts_for_clinic(request.membership.clinic, status), on_page=audit)


@router.post("/{alert_id}/acknowledge", response=AlertOut)
def acknowledge(request, alert_id: UUID, payload: AcknowledgeIn):
    alert = access_alert(request.membership, alert_id, Capability.ACKNOWLEDGE_ALERT)
    alert = services.acknowledge_alert(
        alert=alert, actor=request.user, note=payload.note, request=request
    )
    return alert_out(alert)


def safety_plan_out(plan: SafetyPlan, current_version: int) -> dict:
    fields = SAFETY_PLAN_FIELDS
    return {
        "id": plan.public_id,
        "version": plan.version,
        "current": plan.version == current_version,
        "based_on": plan.based_on.public_id if plan.based_on else None,
        "reviewed_on": plan.reviewed_on,
        "created_by": plan.created_by.full_name,
        "created_at": plan.created_at,
        **{name: getattr(plan, name) for name in fields},
    }


@patient_router.get("/{patient_id}/safety-plans", response=list[SafetyPlanOut])
def list_safety_plans(request, patient_id: UUID):
    """Every version of the patient's safety plan, the current one first."""
    patient = access_patient(request.membership, patient_id, Capability.VIEW_MEASURES)
    record_chart_view(patient=patient, actor=request.user, request=request, part="safety_plan")
    plans = list(
        SafetyPlan.objects.filter(patient=patient).select_related("based_on", "created_by")
    )
    current = plans[0].version if plans else 0
    return [safety_plan_out(p, current) for p in plans]


@patient_router.post("/{patient_id}/safety-plans", response={201: SafetyPlanOut})
def save_safety_plan(request, patient_id: UUID, payload: SafetyPlanIn):
    """Write the first safety plan, or review the current one (`based_on` = its id)."""
    patient = access_patient(request.membership, patient_id, Capability.RECORD_ADMINISTRATION)
    based_on = None
    if payload.based_on is not None:
        based_on = SafetyPlan.objects.filter(patient=patient, public_id=payload.based_on).first()
        if based_on is None:
            raise Http404("No such safety plan version")
    data = payload.dict()
    plan = services.save_safety_plan(
        patient=patient,
        actor=request.user,
        sections={name: data[name] for name in SAFETY_PLAN_FIELDS},
        based_on=based_on,
        reviewed_on=payload.reviewed_on,
        request=request,
    )
    return Status(201, safety_plan_out(plan, plan.version))
