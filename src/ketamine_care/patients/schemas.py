from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from ketamine_care.core.api_schema import DictSchema
from ketamine_care.core.bounds import HEIGHT_MAX, WEIGHT_MAX
from ketamine_care.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from ketamine_care.patients.models import DrugClass

SexIn = Literal["female", "male", "other", "unknown"]


class _StrippedIn(Schema):
    """Text arrives stripped of surrounding white space, so blank text counts as missing."""

    model_config = ConfigDict(str_strip_whitespace=True)


class PatientIn(_StrippedIn):
    mrn: str = Field(min_length=1, max_length=32)
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    sex: SexIn
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)


class PatientPatch(_StrippedIn):
    """A field left out keeps its stored value; null is refused by the endpoint."""

    mrn: str | None = Field(default=None, min_length=1, max_length=32)
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    sex: SexIn | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class PatientOut(DictSchema):
    id: UUID
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    phone: str
    email: str
    status: str
    entered_in_error_reason: str


class PatientSearchIn(Schema):
    """Query parameters of GET /patients: `cursor` (the `next` of the previous page) or
    `offset` (kept for older clients; slower on deep pages), never both."""

    q: str = ""
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    cursor: str = ""


class PatientSearchOut(DictSchema):
    """`items` and `count` as every paged list; `count` is exact unless `count_estimated`
    (more matches than PATIENT_SEARCH_EXACT_COUNT_LIMIT); `next` is the cursor of the next
    page (null on the last); `notice` explains a query too short to search names by."""

    items: list[PatientOut]
    count: int
    count_estimated: bool
    next: str | None
    notice: str | None


class DiagnosisIn(_StrippedIn):
    icd10_code: str = Field(min_length=1, max_length=10)
    label: str = Field(min_length=1, max_length=200)
    onset_date: date | None = None
    clinical_status: Literal["active", "in_remission", "resolved"] = "active"

    @field_validator("icd10_code")
    @classmethod
    def _upper_case(cls, code: str) -> str:
        return code.upper()


class DiagnosisOut(DictSchema):
    id: UUID
    icd10_code: str
    label: str
    onset_date: date | None
    clinical_status: str
    status: str


class AllergyIn(_StrippedIn):
    substance: str = Field(min_length=1, max_length=200)
    reaction: str = Field(default="", max_length=200)
    severity: Literal["", "mild", "moderate", "severe"] = ""


class AllergyOut(DictSchema):
    id: UUID
    substance: str
    reaction: str
    severity: str
    status: str


class MedicationIn(_StrippedIn):
    name: str = Field(min_length=1, max_length=200)
    dose: Decimal | None = Field(default=None, gt=0, max_digits=10, decimal_places=3)
    dose_unit: str = Field(default="", max_length=20)
    frequency: str = Field(default="", max_length=100)
    drug_class: DrugClass


class MedicationOut(DictSchema):
    id: UUID
    name: str
    dose: Decimal | None
    dose_unit: str
    frequency: str
    drug_class: str
    status: str


class MeasurementIn(Schema):
    """Metric fields, or imperial fields (weight_lb / height_in), never both kinds at once."""

    # Column ceilings only; the plausible ranges are checked by the service (422).
    weight_kg: Decimal | None = Field(default=None, ge=-WEIGHT_MAX, le=WEIGHT_MAX)
    height_cm: Decimal | None = Field(default=None, ge=-HEIGHT_MAX, le=HEIGHT_MAX)
    weight_lb: Decimal | None = Field(default=None, ge=-WEIGHT_MAX, le=WEIGHT_MAX)
    height_in: Decimal | None = Field(default=None, ge=-HEIGHT_MAX, le=HEIGHT_MAX)
    measured_at: datetime | None = None


class MeasurementOut(DictSchema):
    id: UUID
    measured_at: datetime
    weight_kg: Decimal | None
    height_cm: Decimal | None
    entered_unit: str
    status: str


class BodyMetricsOut(DictSchema):
    weight_kg: Decimal | None
    height_cm: Decimal | None
    bmi: Decimal | None


class PatientDetailOut(PatientOut):
    # null for a role without the clinical history (front desk): not shown, not "none".
    diagnoses: list[DiagnosisOut] | None
    allergies: list[AllergyOut] | None
    medications: list[MedicationOut] | None
    body_metrics: BodyMetricsOut | None
