"""The chart's reads compiled once per connection (`access_patient`, `active_rows`,
`latest_body_metrics`) find exactly what the ORM's queries find: the same rows with every
field, in the same order, on the same database, for generated charts; with the same SQL; and
the chart API runs the same number of queries whatever the chart holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.models import (
    Allergy,
    BodyMeasurement,
    Diagnosis,
    Medication,
    Patient,
    RecordStatus,
    latest_body_metrics,
)
from ketamine_care.patients.queries import active_rows
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient

STATUS = st.sampled_from([RecordStatus.ACTIVE, RecordStatus.ENTERED_IN_ERROR])
KEYS = st.lists(st.text(alphabet="ABCxyz", min_size=1, max_size=3), unique=True, max_size=5)
MEASUREMENTS = st.lists(
    st.tuples(
        st.integers(0, 3),  # days ago: equal times are ordered by id
        st.sampled_from(["weight", "height", "both"]),
        STATUS,
    ),
    max_size=6,
)
START = datetime(2026, 1, 10, 9, 30, 15, 123456, tzinfo=UTC)


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def described(rows) -> list:
    return [(type(row), fields(row), row._state.db, row._state.adding) for row in rows]


def orm_metrics(patient: Patient) -> dict:
    """`latest_body_metrics` as the ORM reads it: the reference."""
    rows = patient.measurements.active()
    weight = rows.filter(weight_kg__isnull=False).first()
    height = rows.filter(height_cm__isnull=False).first()
    return {
        "weight_kg": weight.weight_kg if weight else None,
        "weight_measured_at": weight.measured_at if weight else None,
        "height_cm": height.height_cm if height else None,
    }


class PreparedChartReadTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="Prepared")
        cls.user = User.objects.create_user("p@prepared.test", "pw-prepared-1", full_name="P")
        cls.membership = Membership.objects.create(
            user=cls.user, clinic=cls.clinic, role=Role.PRESCRIBER
        )
        cls.other = Clinic.objects.create(name="Elsewhere")

    def _chart(self, keys, statuses, measurements) -> Patient:
        patient = make_patient(clinic=self.clinic, actor=self.user, mrn=f"P{uuid.uuid4().hex[:8]}")
        for key, status in zip(keys, statuses, strict=False):
            common = {"patient": patient, "recorded_by": self.user, "status": status}
            Diagnosis.objects.create(**common, icd10_code=f"F{key}", label=key)
            Allergy.objects.create(**common, substance=key, reaction="rash")
            Medication.objects.create(**common, name=key, dose=Decimal("1.5"), drug_class="other")
        for days, kind, status in measurements:
            BodyMeasurement.objects.create(
                patient=patient,
                recorded_by=self.user,
                status=status,
                measured_at=START - timedelta(days=days),
                weight_kg=Decimal("70.25") if kind != "height" else None,
                height_cm=Decimal("172.5") if kind != "weight" else None,
            )
        return patient

    @settings(max_examples=20, deadline=None)
    @given(keys=KEYS, statuses=st.lists(STATUS, min_size=5, max_size=5), measured=MEASUREMENTS)
    def test_the_compiled_reads_find_what_the_orm_finds(self, keys, statuses, measured):
        patient = self._chart(keys, statuses, measured)
        found = access_patient(self.membership, patient.public_id)
        self.assertEqual(described([found]), described([Patient.objects.get(pk=patient.pk)]))
        self.assertEqual(found.clinic, self.clinic)
        for model, related in ((Diagnosis, "diagnoses"), (Allergy, "allergies"),
                               (Medication, "medications")):  # fmt: skip
            rows = active_rows(found, model)
            self.assertEqual(described(rows), described(getattr(found, related).active()))
            self.assertTrue(all(row.patient is found for row in rows))
        metrics = latest_body_metrics(found)
        self.assertEqual({k: metrics[k] for k in orm_metrics(found)}, orm_metrics(found))

    def test_the_compiled_statements_are_the_orm_statements(self):
        patient = self._chart(["A", "B"], [RecordStatus.ACTIVE] * 2, [(0, "both", "active")])
        for model, related in ((Diagnosis, "diagnoses"), (Medication, "medications")):
            with CaptureQueriesContext(connection) as orm:
                list(getattr(patient, related).active())
            with CaptureQueriesContext(connection) as compiled:
                active_rows(patient, model)
            self.assertEqual(compiled[0]["sql"], orm[0]["sql"])
        with CaptureQueriesContext(connection) as orm:
            orm_metrics(patient)
        with CaptureQueriesContext(connection) as compiled:
            latest_body_metrics(patient)
        self.assertEqual([q["sql"] for q in compiled], [q["sql"] for q in orm])

    def test_another_clinics_patient_or_an_unknown_id_is_not_found(self):
        elsewhere = make_patient(clinic=self.other, actor=self.user, mrn="ELSE-1")
        for public_id in (elsewhere.public_id, uuid.uuid4(), str(uuid.uuid4())):
            with self.subTest(public_id=public_id), self.assertRaises(Http404):
                access_patient(self.membership, public_id)

    def test_an_id_given_as_text_finds_the_patient_through_the_orm(self):
        patient = self._chart([], [], [])
        found = access_patient(self.membership, str(patient.public_id))
        self.assertEqual(
            described([found]), described([patient.__class__.objects.get(pk=patient.pk)])
        )


class ChartQueryCountTests(ClinicTestCase):
    """The chart API's queries do not grow with the chart's rows."""

    def chart_queries(self) -> int:
        client = self.client_for(self.prescriber)
        url = f"/api/v1/patients/{self.patient.public_id}"
        self.assertEqual(client.get(url).status_code, 200)
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(client.get(url).status_code, 200)
        return len(captured)

    def add_rows(self, count: int) -> None:
        for n in range(count):
            common = {"patient": self.patient, "recorded_by": self.prescriber}
            Diagnosis.objects.create(**common, icd10_code=f"F3{n}", label=f"d{n}")
            Allergy.objects.create(**common, substance=f"s{n}")
            Medication.objects.create(**common, name=f"m{n}", drug_class="other")
            BodyMeasurement.objects.create(
                **common, measured_at=START + timedelta(days=n), weight_kg=Decimal("70")
            )

    def test_the_same_queries_for_one_row_and_for_twelve(self):
        self.add_rows(1)
        small = self.chart_queries()
        self.add_rows(11)
        self.assertEqual(self.chart_queries(), small)
