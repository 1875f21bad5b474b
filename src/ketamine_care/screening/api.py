"""Screening REST endpoints under /patients/{id}/screenings: evaluate, list, override, co-sign."""

from uuid import UUID

from ninja import Router, Status

from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view
from ketamine_care.protocols.queries import active_version
from ketamine_care.screening import services
from ketamine_care.screening.access import access_verdict
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import facts_from_record, overlay
from ketamine_care.screening.schemas import CosignIn, OverrideIn, ScreeningIn, VerdictOut

patient_router = Router(tags=["screening"])


def verdict_out(v: ScreeningVerdict) -> dict:
    return {
        "id": v.public_id,
        "protocol": v.protocol_id,
        "protocol_version": v.protocol_version.public_id,
        "verdict": v.verdict,
        "reasons": v.reasons,
        "override_allowed": v.override_allowed,
        "rule_set": v.result.get("rule_set", {}),
        "facts": v.facts,
        "evaluated_at": v.evaluated_at,
        "override_reason": v.override_reason,
        "overridden_at": v.overridden_at,
        "cosigned_at": v.cosigned_at,
        "cosign_note": v.cosign_note,
    }


def active_protocol_or_422(clinic, protocol_id: str, field: str = "protocol"):
    version = active_version(clinic, protocol_id)
    if version is None:
        message = f"{protocol_id} is not an active protocol in this clinic."
        raise ValidationFailed(message, fields={field: message})
    return version


@patient_router.post("/{patient_id}/screenings", response={201: VerdictOut})
def evaluate(request, patient_id: UUID, payload: ScreeningIn):
    patient = access_patient(request.membership, patient_id, Capability.SCREEN_PATIENT)
    if not payload.use_record:
        message = (
            "The record's facts are always used (a screening never drops them); "
            "send use_record true or leave it out."
        )
        raise ValidationFailed(message, fields={"use_record": message})
    version = active_protocol_or_422(request.membership.clinic, payload.protocol)
    record = facts_from_record(patient, clinic_today(patient.clinic))
    classify = {code.strip().upper(): word for code, word in payload.classify.items()}
    verdict = services.screen_patient(
        patient=patient,
        protocol_version=version,
        facts=overlay(record, payload.facts, classify),
        actor=request.user,
        request=request,
    )
    return Status(201, verdict_out(verdict))


@patient_router.get("/{patient_id}/screenings", response=list[VerdictOut])
def list_verdicts(request, patient_id: UUID, protocol: str = ""):
    patient = access_patient(request.membership, patient_id, Capability.VIEW_TREATMENT)
    record_chart_view(patient=patient, actor=request.user, request=request, part="screenings")
    rows = ScreeningVerdict.objects.filter(patient=patient).select_related("protocol_version")
    if protocol:
        rows = rows.filter(protocol_id=protocol[:64])
    return [verdict_out(v) for v in rows[:200]]


def _verdict(request, patient_id, verdict_id, capability) -> ScreeningVerdict:
    return access_verdict(request.membership, patient_id, verdict_id, capability)


@patient_router.post("/{patient_id}/screenings/{verdict_id}/override", response=VerdictOut)
def override(request, patient_id: UUID, verdict_id: UUID, payload: OverrideIn):
    verdict = _verdict(request, patient_id, verdict_id, Capability.OVERRIDE_SCREENING)
    services.override_screening(
        verdict=verdict, reason=payload.reason, actor=request.user, request=request
    )
    return verdict_out(verdict)


@patient_router.post("/{patient_id}/screenings/{verdict_id}/cosign", response=VerdictOut)
def cosign(request, patient_id: UUID, verdict_id: UUID, payload: CosignIn):
    verdict = _verdict(request, patient_id, verdict_id, Capability.COSIGN_SCREENING)
    services.cosign_override(
        verdict=verdict, note=payload.note, actor=request.user, request=request
    )
    return verdict_out(verdict)
