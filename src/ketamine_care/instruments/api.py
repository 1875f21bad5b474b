"""Instrument definitions and a patient's administrations. Thin: authorize, call, serialise."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.http import Http404, HttpResponse
from ninja import Query, Router, Status

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.accounts.schemas import ErrorOut
from ketamine_care.instruments import services
from ketamine_care.instruments.definition import UnknownInstrument, list_codes, load_definition
from ketamine_care.instruments.models import Administration, Source
from ketamine_care.instruments.paging import administrations_page_values
from ketamine_care.instruments.schemas import (
    AdministrationIn,
    AdministrationListIn,
    AdministrationOut,
    InstrumentOut,
)
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view

router = Router(tags=["instruments"])
patient_router = Router(tags=["instruments"])


def _instrument_out(definition) -> dict:
    return {
        "code": definition.code,
        "name": definition.name,
        "version": definition.version,
        "self_report": definition.self_report,
        "rater": definition.rater,
        "scoring_method": definition.scoring_method,
        "item_count": len(definition.items),
    }


# What `administration_out` reads, fetched as plain values for the list.
LISTED = (
    "id", "public_id", "instrument_code", "definition_version", "answers", "total", "band",
    "subscales", "flags", "risk", "administered_at", "time_point", "follow_up_day", "source",
    "status",
)  # fmt: skip
LISTED_ALERT = (
    "administration_id", "public_id", "rule_id", "severity", "message", "patient_crisis_screen",
)  # fmt: skip


def administration_out(a: Administration, alerts=None) -> dict:
    alerts = a.raised_alerts if alerts is None and hasattr(a, "raised_alerts") else alerts
    if alerts is None:
        alerts = list(a.safety_alerts.all())
    alert_rows = [{f: getattr(alert, f) for f in LISTED_ALERT} for alert in alerts]
    return _listed_out({f: getattr(a, f) for f in LISTED}, [_alert_out(r) for r in alert_rows])


@router.get("", response=list[InstrumentOut])
def list_instruments(request):
    require(request.membership, Capability.VIEW_MEASURES)
    return [_instrument_out(load_definition(code)) for code in list_codes()]


@router.get("/{code}", response=dict)
def read_instrument(request, code: str):
    """The full, validated definition (items, bands, flags, sources, licence note)."""
    require(request.membership, Capability.VIEW_MEASURES)
    try:
        return load_definition(code).model_dump(mode="json")
    except UnknownInstrument as exc:
        raise Http404 from exc


# The body stays a list (its contract); the next page is in the `Link` header (rel="next").
# 400: a cursor that is not an administration of this patient.
@patient_router.get(
    "/{patient_id}/administrations", response={200: list[AdministrationOut], 400: ErrorOut}
)
def list_administrations(
    request, response: HttpResponse, patient_id: UUID, params: Query[AdministrationListIn]
):
    """The patient's administrations, newest first, `limit` at a time (default 100). When
    there are more, the `Link` header names the next page (`rel="next"`: the same query with
    `cursor`, the last administration's id); the last page has no `Link`."""
    patient = access_patient(request.membership, patient_id, Capability.VIEW_MEASURES)
    instrument, limit = params.instrument, params.limit
    # Plain values, not model instances: what `administration_out` gives for each row
    # (instruments/tests/test_api_list_values.py), at about half the CPU of a long page.
    page = administrations_page_values(
        patient, LISTED, LISTED_ALERT, instrument=instrument, cursor=params.cursor, limit=limit
    )
    record_chart_view(patient=patient, actor=request.user, request=request, part="administrations")
    if page.next_cursor:
        query = urlencode({k: v for k, v in (("instrument", instrument), ("limit", limit),
                                              ("cursor", page.next_cursor)) if v})  # fmt: skip
        response["Link"] = f'<{request.path}?{query}>; rel="next"'
    return [
        _listed_out(row, [_alert_out(alert) for alert in page.alerts[row["id"]]])
        for row in page.rows
    ]


def _alert_out(alert: dict) -> dict:
    return {
        "id": alert["public_id"],
        "rule_id": alert["rule_id"],
        "severity": alert["severity"],
        "message": alert["message"],
        "patient_crisis_screen": alert["patient_crisis_screen"],
    }


def _listed_out(row: dict, alerts: list[dict]) -> dict:
    return {
        "id": row["public_id"],
        "instrument": row["instrument_code"],
        "definition_version": row["definition_version"],
        "answers": row["answers"],
        "total": row["total"],
        "band": row["band"] or None,
        "subscales": row["subscales"],
        "flags": row["flags"],
        "risk": row["risk"] or None,
        "administered_at": row["administered_at"],
        "time_point": row["time_point"],
        "follow_up_day": row["follow_up_day"],
        "source": row["source"],
        "status": row["status"],
        "alerts": alerts,
    }


@patient_router.post("/{patient_id}/administrations", response={201: AdministrationOut})
def create_administration(request, patient_id: UUID, payload: AdministrationIn):
    patient = access_patient(request.membership, patient_id, Capability.RECORD_ADMINISTRATION)
    administration = services.record_administration(
        patient=patient,
        instrument_code=payload.instrument,
        answers=payload.answers,
        time_point=payload.time_point,
        follow_up_day=payload.follow_up_day,
        administered_at=payload.administered_at,
        source=Source.CLINICIAN,
        actor=request.user,
        request=request,
    )
    return Status(201, administration_out(administration))


@patient_router.get("/{patient_id}/administrations/{administration_id}", response=AdministrationOut)
def read_administration(request, patient_id: UUID, administration_id: UUID):
    patient = access_patient(request.membership, patient_id, Capability.VIEW_MEASURES)
    try:
        administration = Administration.objects.get(patient=patient, public_id=administration_id)
    except Administration.DoesNotExist as exc:
        raise Http404 from exc
    record_chart_view(patient=patient, actor=request.user, request=request, part="administration")
    return administration_out(administration)
