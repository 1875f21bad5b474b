"""Patients REST endpoints: thin; access_* authorizes, services write and audit."""

from uuid import UUID

from ninja import Query, Router, Status

from ketamine_care.accounts.permissions import Capability, has_capability, require
from ketamine_care.accounts.schemas import ErrorOut
from ketamine_care.core.errors import DomainError, ValidationFailed
from ketamine_care.patients import services
from ketamine_care.patients.access import access_patient, access_patient_child
from ketamine_care.patients.models import Allergy, BodyMeasurement, Diagnosis, Medication
from ketamine_care.patients.queries import chart_sections, record_patients_searched
from ketamine_care.patients.schemas import (
    AllergyIn,
    AllergyOut,
    DiagnosisIn,
    DiagnosisOut,
    MeasurementIn,
    MeasurementOut,
    MedicationIn,
    MedicationOut,
    PatientDetailOut,
    PatientIn,
    PatientOut,
    PatientPatch,
    PatientSearchIn,
    PatientSearchOut,
    ReasonIn,
)
from ketamine_care.patients.search import TOO_SHORT_MESSAGE, search_page

router = Router(tags=["patients"])


def patient_out(patient) -> dict:
    return {
        "id": patient.public_id,
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex,
        "phone": patient.phone,
        "email": patient.email,
        "status": patient.status,
        "entered_in_error_reason": patient.entered_in_error_reason,
    }


# What `patient_out` reads: a search page reads only these, as named rows, not whole patients.
LISTED = ("public_id", "mrn", "given_name", "family_name", "date_of_birth", "sex", "phone",
          "email", "status", "entered_in_error_reason")  # fmt: skip


def _child_out(row) -> dict:
    data = {"id": row.public_id, "status": row.status}
    for field in row._meta.concrete_fields:
        if field.name in (
            "id",
            "public_id",
            "patient",
            "recorded_by",
            "status",
            "created_at",
            "updated_at",
            "entered_in_error_reason",
        ):
            continue
        data[field.name] = getattr(row, field.name)
    return data


# 400: a cursor that is not a position in this clinic's search, or a cursor with an offset.
@router.get("", response={200: PatientSearchOut, 400: ErrorOut})
def list_patients(request, params: Query[PatientSearchIn]):
    require(request.membership, Capability.VIEW_PATIENT)
    if params.cursor and params.offset:
        raise DomainError(
            "Page with the cursor or with offset, not both.",
            fields={"offset": "Leave out offset when sending a cursor."},
        )
    clinic, query = request.membership.clinic, params.q[:200]
    page = search_page(
        clinic, query, cursor=params.cursor, limit=params.limit, offset=params.offset, fields=LISTED
    )
    record_patients_searched(
        clinic=clinic, patients=page.patients, query=query, actor=request.user, request=request
    )
    return {
        "items": [patient_out(p) for p in page.patients],
        "count": page.count,
        "count_estimated": page.count_estimated,
        "next": page.next_cursor,
        "notice": TOO_SHORT_MESSAGE if page.too_short else None,
    }


@router.post("", response={201: PatientOut})
def register(request, payload: PatientIn):
    require(request.membership, Capability.REGISTER_PATIENT)
    patient = services.register_patient(
        clinic=request.membership.clinic, actor=request.user, request=request, **payload.dict()
    )
    return Status(201, patient_out(patient))


@router.get("/{patient_id}", response=PatientDetailOut)
def read(request, patient_id: UUID):
    patient = access_patient(request.membership, patient_id)
    if not has_capability(request.membership, Capability.VIEW_CLINICAL_HISTORY):
        # Front desk: demographics only; null (not an empty list) says "not shown to you",
        # never "none recorded".
        services.record_chart_view(
            patient=patient, actor=request.user, request=request, part="demographics"
        )
        return {
            **patient_out(patient),
            "diagnoses": None,
            "allergies": None,
            "medications": None,
            "body_metrics": None,
        }
    services.record_chart_view(patient=patient, actor=request.user, request=request)
    chart = chart_sections(patient)
    return {
        **patient_out(patient),
        "diagnoses": [_child_out(r) for r in chart["diagnoses"]],
        "allergies": [_child_out(r) for r in chart["allergies"]],
        "medications": [_child_out(r) for r in chart["medications"]],
        "body_metrics": {k: chart["metrics"][k] for k in ("weight_kg", "height_cm", "bmi")},
    }


@router.patch("/{patient_id}", response=PatientOut)
def update(request, patient_id: UUID, payload: PatientPatch):
    patient = access_patient(request.membership, patient_id, Capability.EDIT_DEMOGRAPHICS)
    changes = payload.dict(exclude_unset=True)
    nulls = [k for k, v in changes.items() if v is None]
    if nulls:
        raise ValidationFailed(
            "Fields cannot be null.", fields={k: "May not be null." for k in nulls}
        )
    services.update_demographics(patient=patient, actor=request.user, request=request, **changes)
    return patient_out(patient)


@router.post("/{patient_id}/entered-in-error", response=PatientOut)
def mark_entered_in_error(request, patient_id: UUID, payload: ReasonIn):
    patient = access_patient(request.membership, patient_id, Capability.MARK_ENTERED_IN_ERROR)
    services.mark_patient_entered_in_error(
        patient=patient, actor=request.user, reason=payload.reason, request=request
    )
    return patient_out(patient)


def _child_endpoints(path: str, model, schema_in, schema_out, create, part: str) -> None:
    """Register list, create and mark-entered-in-error endpoints for one kind of child row."""

    @router.get(f"/{{patient_id}}/{path}", response=list[schema_out], url_name=f"{path}-list")
    def list_rows(request, patient_id: UUID):
        patient = access_patient(request.membership, patient_id, Capability.VIEW_CLINICAL_HISTORY)
        services.record_chart_view(patient=patient, actor=request.user, request=request, part=part)
        return [_child_out(r) for r in model.objects.active().filter(patient=patient)]

    @router.post(f"/{{patient_id}}/{path}", response={201: schema_out}, url_name=f"{path}-add")
    def add_row(request, patient_id: UUID, payload: schema_in):
        patient = access_patient(request.membership, patient_id, Capability.EDIT_CLINICAL)
        row = create(patient=patient, actor=request.user, request=request, payload=payload)
        return Status(201, _child_out(row))

    @router.post(
        f"/{{patient_id}}/{path}/{{row_id}}/entered-in-error",
        response=schema_out,
        url_name=f"{path}-error",
    )
    def mark_row(request, patient_id: UUID, row_id: UUID, payload: ReasonIn):
        patient = access_patient(request.membership, patient_id, Capability.EDIT_CLINICAL)
        row = access_patient_child(
            request.membership, model, patient, row_id, Capability.EDIT_CLINICAL
        )
        services.mark_child_entered_in_error(
            row=row, actor=request.user, reason=payload.reason, request=request
        )
        return _child_out(row)

    list_rows.__name__ = f"list_{path}"
    add_row.__name__ = f"add_{path}"
    mark_row.__name__ = f"mark_{path}_entered_in_error"


def _create_measurement(*, patient, actor, request, payload: MeasurementIn):
    data = payload.dict()
    metric = data["weight_kg"] is not None or data["height_cm"] is not None
    imperial = data["weight_lb"] is not None or data["height_in"] is not None
    if metric and imperial:
        raise ValidationFailed(
            "Send metric (weight_kg, height_cm) or imperial (weight_lb, height_in), not both.",
            fields={"weight_lb": "Do not mix units.", "height_in": "Do not mix units."},
        )
    unit = "imperial" if imperial else "metric"
    return services.record_measurement(
        patient=patient,
        actor=actor,
        request=request,
        unit=unit,
        weight=data["weight_lb"] if imperial else data["weight_kg"],
        height=data["height_in"] if imperial else data["height_cm"],
        measured_at=data["measured_at"],
    )


_child_endpoints(
    "diagnoses",
    Diagnosis,
    DiagnosisIn,
    DiagnosisOut,
    lambda *, payload, **kw: services.add_diagnosis(**kw, **payload.dict()),
    "diagnoses",
)
_child_endpoints(
    "allergies",
    Allergy,
    AllergyIn,
    AllergyOut,
    lambda *, payload, **kw: services.add_allergy(**kw, **payload.dict()),
    "allergies",
)
_child_endpoints(
    "medications",
    Medication,
    MedicationIn,
    MedicationOut,
    lambda *, payload, **kw: services.add_medication(**kw, **payload.dict()),
    "medications",
)
_child_endpoints(
    "measurements",
    BodyMeasurement,
    MeasurementIn,
    MeasurementOut,
    _create_measurement,
    "measurements",
)
