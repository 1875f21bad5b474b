"""Patients and the parts of their record owned by this app.

Units are in field names. Nothing here is ever hard-deleted: records entered in error are
marked so, with a reason, and vanish from lists while the audit trail keeps them.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from django.conf import settings
from django.db import models, router
from django.db.models import Q

from ketamine_care.core.ages import age_years, completed_months, completed_years
from ketamine_care.core.compiled import INT, CompiledQuery
from ketamine_care.core.models import PublicIdModel, TimestampedModel
from ketamine_care.core.units import bmi

# Input limits: plausibility bounds for data entry, not clinical thresholds.
WEIGHT_KG_RANGE = (Decimal("0.5"), Decimal("500"))
HEIGHT_CM_RANGE = (Decimal("30"), Decimal("250"))


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class PatientQuerySet(models.QuerySet):
    def active(self) -> PatientQuerySet:
        return self.filter(status=RecordStatus.ACTIVE)


class Patient(PublicIdModel, TimestampedModel):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=32)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=16, choices=Sex.choices)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Lower-cased copies for indexed, case-insensitive prefix search on both databases.
    given_name_search = models.CharField(max_length=100, editable=False)
    family_name_search = models.CharField(max_length=100, editable=False)
    mrn_search = models.CharField(max_length=32, editable=False)
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    entered_in_error_reason = models.TextField(blank=True)
    # A clinician's "no known drug allergies", cleared when an allergy is added. Null means
    # nobody has recorded it: "Allergies not recorded", which is never the same as none.
    nkda_recorded_at = models.DateTimeField(null=True, blank=True)
    nkda_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="patient_mrn_unique_in_clinic"),
            models.CheckConstraint(
                condition=Q(status="active") | ~Q(entered_in_error_reason=""),
                name="patient_entered_in_error_has_reason",
            ),
        ]
        indexes = [
            # Search's one order (patients/search.py ORDER): pages are read from it in order.
            # With the MRN, so that every word of a search is tested from the index alone.
            models.Index(
                fields=["clinic", "family_name_search", "given_name_search", "id"],
                include=["mrn_search"],
                name="patient_search_order",
                condition=Q(status="active"),
            ),
            # The given-name way of matching, counted from the index alone (search.py).
            models.Index(
                fields=["clinic", "given_name_search", "family_name_search", "id"],
                include=["mrn_search"],
                name="patient_search_given_order",
                condition=Q(status="active"),
            ),
            models.Index(fields=["clinic", "given_name_search"], name="patient_given_search"),
            models.Index(fields=["clinic", "mrn_search"], name="patient_mrn_search"),
            models.Index(fields=["clinic", "date_of_birth"], name="patient_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    def refresh_search_fields(self) -> None:
        self.given_name_search = self.given_name.strip().lower()
        self.family_name_search = self.family_name.strip().lower()
        self.mrn_search = self.mrn.strip().lower()

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_active(self) -> bool:
        return self.status == RecordStatus.ACTIVE

    def age_on(self, day) -> int:
        """Completed years on `day`."""
        return completed_years(self.date_of_birth, day)

    def age_months_on(self, day) -> int:
        """Completed calendar months on `day` (an infant's age limit counts months)."""
        return completed_months(self.date_of_birth, day)

    def age_years_on(self, day) -> float:
        """Age in years counted in completed calendar months (`core.ages.age_years`), as
        dosing, screening and the session's age bands judge it: exact for an infant's limit
        in months (3 months = 0.25 [@green-2011]), where completed years put every infant at
        0, and the same verdict as completed years at a whole-year limit (17 years 11 months
        is under 18)."""
        return age_years(self.date_of_birth, day)


class SearchName(models.Model):
    """A lower-cased family or given name a patient of the clinic has (or had): search looks
    a word up inside these few distinct names, then finds the patients by equality on an
    index that answers alone (patients/search.py). On PostgreSQL the database keeps it: a
    trigger on every insert or update of patients adds their names (migration 0006). It is a
    superset, never pruned: a name no patient has any more finds no one. Unused on SQLite."""

    class Part(models.TextChoices):
        FAMILY = "family", "Family name"
        GIVEN = "given", "Given name"

    # Looked up by the unique index, which starts with the clinic: no index of its own.
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    part = models.CharField(max_length=6, choices=Part.choices)
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "part", "name"], name="search_name_unique_in_clinic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.part} name {self.name}"


class ChildQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=RecordStatus.ACTIVE)


class PatientChild(PublicIdModel, TimestampedModel):
    """Base for rows that belong to one patient and are corrected by marking, not deleting."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    entered_in_error_reason = models.TextField(blank=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        abstract = True


class DiagnosisStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    IN_REMISSION = "in_remission", "In remission"
    RESOLVED = "resolved", "Resolved"


class Diagnosis(PatientChild):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diagnoses")
    icd10_code = models.CharField("ICD-10-CM code", max_length=10)
    label = models.CharField(max_length=200)
    onset_date = models.DateField(null=True, blank=True)
    clinical_status = models.CharField(
        max_length=20, choices=DiagnosisStatus.choices, default=DiagnosisStatus.ACTIVE
    )

    class Meta:
        ordering = ["icd10_code"]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.label}"


class Allergy(PatientChild):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=200)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(
        max_length=16,
        choices=[("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")],
        blank=True,
    )

    class Meta:
        ordering = ["substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class DrugClass(models.TextChoices):
    """Classes match the screening vocabulary so interaction checks can read them directly."""

    BENZODIAZEPINE = "benzodiazepine", "Benzodiazepine"
    LAMOTRIGINE = "lamotrigine", "Lamotrigine"
    MAOI = "maoi", "MAOI"
    PSYCHOSTIMULANT = "psychostimulant", "Psychostimulant"
    OPIOID = "opioid", "Opioid"
    SEDATIVE_HYPNOTIC = "sedative_hypnotic", "Sedative-hypnotic"
    THEOPHYLLINE = "theophylline", "Theophylline / aminophylline"
    LITHIUM = "lithium", "Lithium"
    VALPROATE = "valproate", "Valproate"
    ANTIPSYCHOTIC = "antipsychotic", "Antipsychotic"
    SSRI = "ssri", "SSRI"
    SNRI = "snri", "SNRI"
    TCA = "tca", "Tricyclic antidepressant"
    ATYPICAL_ANTIDEPRESSANT = "atypical_antidepressant", "Atypical antidepressant"
    OPIOID_ANTAGONIST = "opioid_antagonist", "Opioid antagonist (e.g. naltrexone)"
    THYROID_MEDICATION = "thyroid_medication", "Thyroid medication (e.g. levothyroxine)"
    OTHER = "other", "Other"


class Medication(PatientChild):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=200)
    dose = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    dose_unit = models.CharField(max_length=20, blank=True)
    frequency = models.CharField(max_length=100, blank=True)
    drug_class = models.CharField(max_length=32, choices=DrugClass.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BodyMeasurement(PatientChild):
    """One weighing and/or height measurement, stored in kg and cm whatever unit was typed."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measurements")
    measured_at = models.DateTimeField()
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    entered_unit = models.CharField(
        max_length=8, choices=[("metric", "kg / cm"), ("imperial", "lb / in")], default="metric"
    )

    class Meta:
        ordering = ["-measured_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gte=WEIGHT_KG_RANGE[0], weight_kg__lte=WEIGHT_KG_RANGE[1]),
                name="measurement_weight_kg_range",
            ),
            models.CheckConstraint(
                condition=Q(height_cm__isnull=True)
                | Q(height_cm__gte=HEIGHT_CM_RANGE[0], height_cm__lte=HEIGHT_CM_RANGE[1]),
                name="measurement_height_cm_range",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=False) | Q(height_cm__isnull=False),
                name="measurement_has_a_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg / {self.height_cm} cm at {self.measured_at:%Y-%m-%d}"


def latest_body_metrics(patient: Patient) -> dict:
    """Latest weight, latest height and the BMI derived from them (None where unknown)."""
    if type(patient.pk) is int:
        # Every chart read asks this: both queries are compiled once per connection.
        using = router.db_for_read(BodyMeasurement, instance=patient)
        weight, height = (
            next(iter(latest.objects(BodyMeasurement, using, patient_id=patient.pk)), None)
            for latest in (_LATEST_WEIGHT, _LATEST_HEIGHT)
        )
    else:
        rows = patient.measurements.active()
        weight = rows.filter(weight_kg__isnull=False).first()
        height = rows.filter(height_cm__isnull=False).first()
    weight_kg = weight.weight_kg if weight else None
    height_cm = height.height_cm if height else None
    return {
        "weight_kg": weight_kg,
        "weight_measured_at": weight.measured_at if weight else None,
        "height_cm": height_cm,
        "bmi": bmi(weight_kg, height_cm),
    }


def latest_measurement(*, patient_id: int, measured: str):
    """The patient's latest active measurement with `measured` (weight_kg or height_cm): what
    `patient.measurements.active().filter(<measured>__isnull=False).first()` reads."""
    rows = BodyMeasurement.objects.filter(patient_id=patient_id).active()
    return rows.filter(**{f"{measured}__isnull": False})[:1]


_LATEST_WEIGHT = CompiledQuery(
    "latest-weight",
    functools.partial(latest_measurement, measured="weight_kg"),
    patient_id=INT,
)
_LATEST_HEIGHT = CompiledQuery(
    "latest-height",
    functools.partial(latest_measurement, measured="height_cm"),
    patient_id=INT,
)


class ResearchConsentStatus(models.TextChoices):
    GIVEN = "given", "Given"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ResearchConsent(PublicIdModel):
    """One change of a patient's consent to research use of their de-identified data.

    Rows are never edited or deleted: each change adds a row, and the latest row (by
    `recorded_at`, then id) is the current state. No row at all means "not asked", which
    counts as no consent."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="research_consents")
    status = models.CharField(max_length=16, choices=ResearchConsentStatus.choices)
    # When the patient gave or withdrew consent (may be earlier than when it was entered).
    recorded_at = models.DateTimeField()
    # The version of the consent text the patient read, as the clinic names it ("2026-1").
    consent_text_version = models.CharField(max_length=32)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-recorded_at", "-id"], name="research_consent_latest")
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_status_display()} ({self.consent_text_version}) {self.recorded_at:%Y-%m-%d}"
        )
