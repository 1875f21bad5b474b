"""`locked()` re-reads the session under its lock; the protocol version the caller loaded
is kept only while it is the session's version, saved at the same time, and is read again
otherwise: what a caller gets is what re-reading everything gives."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions.access import access_session
from ketamine_care.treatment_sessions.models import TreatmentSession
from ketamine_care.treatment_sessions.services.lifecycle import locked
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session

RELATED = "patient", "protocol_version__clinic_protocol", "clinic"


def _fields(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


class LockedSessionTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.session = dosing_session(cls.patient, cls.version, cls.nurse, cls.prescriber)

    def accessed(self):
        membership = self.nurse.memberships.get(clinic=self.clinic)
        return access_session(membership, self.session.public_id)

    def assert_as_reread(self, row) -> None:
        fresh = TreatmentSession.objects.select_related(*RELATED).get(pk=self.session.pk)
        self.assertEqual(_fields(row), _fields(fresh))
        for name in ("patient", "clinic", "protocol_version"):
            self.assertEqual(_fields(getattr(row, name)), _fields(getattr(fresh, name)))
        self.assertEqual(
            _fields(row.protocol_version.clinic_protocol),
            _fields(fresh.protocol_version.clinic_protocol),
        )

    def test_the_version_the_caller_loaded_is_kept_while_unchanged(self):
        session = self.accessed()
        with transaction.atomic(), self.assertNumQueries(1):
            row = locked(session)
        self.assertIs(row.protocol_version, session.protocol_version)
        self.assert_as_reread(row)

    def test_a_version_saved_since_is_read_again(self):
        session = self.accessed()
        version = ProtocolVersion.objects.get(pk=self.version.pk)
        version.change_note = "Saved while the caller held the old row"
        version.save()
        with transaction.atomic():
            row = locked(session)
        self.assertIsNot(row.protocol_version, session.protocol_version)
        self.assertEqual(row.protocol_version.change_note, version.change_note)
        self.assert_as_reread(row)

    def test_a_session_loaded_without_its_version_reads_it(self):
        session = TreatmentSession.objects.get(pk=self.session.pk)
        with transaction.atomic(), self.assertNumQueries(1):
            row = locked(session)
        self.assert_as_reread(row)
        self.assertEqual(row.patient.clinic, row.clinic)


class VitalsBatchReadsTests(ClinicTestCase):
    """A vitals batch through the API reads the protocol's rules through the monitoring
    caches, not the version's JSON, and still raises the alert the rules call for."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def post(self, session, key: str, systolic: int):
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        body = {
            "idempotency_key": key,
            "readings": [
                {"measured_at": ago(5).isoformat(), "bp_systolic_mmhg": systolic,
                 "bp_diastolic_mmhg": 80}
            ],
        }  # fmt: skip
        url = f"/api/v1/treatment-sessions/{session.public_id}/vitals"
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            url, body, content_type="application/json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def test_a_batch_reads_no_protocol_json_and_raises_its_alert(self):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        self.post(session, "warm", 130)  # the monitoring caches hold this version now
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
            answer = self.post(session, "urgent", 210)
        self.assertIn("bp_above_200_120", [a["rule"] for a in answer["alerts"]])
        for query in captured.captured_queries:
            self.assertNotIn('"definition"', query["sql"])
            self.assertNotIn('"pinned_rules"', query["sql"])
