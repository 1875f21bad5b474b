"""Idempotency keys on vitals batches: a replay repeats the original exactly, or is a 409.

A key reused for different readings once answered 201 while storing nothing (an SpO2 of
82 % and a BP of 215/125 were dropped with no alert). Runs on SQLite and, with --postgres,
on PostgreSQL.
"""

from datetime import timedelta, timezone

from django.test import Client

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions.models import VitalSignsReading
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session


class VitalsIdempotencyTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        self.url = f"/api/v1/treatment-sessions/{self.session.public_id}/vitals"
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.instant = ago(20)
        self.when = self.instant.isoformat()
        self.before = set(VitalSignsReading.objects.values_list("id", flat=True))

    def post(self, key, *readings):
        body = {"idempotency_key": key, "source": "monitor-7", "readings": list(readings)}
        return self.client.post(self.url, body, content_type="application/json")

    def reading(self, **values):
        return {"measured_at": self.when, **(values or {"spo2_percent": 97})}

    def stored(self):
        return list(
            VitalSignsReading.objects.exclude(id__in=self.before).values_list(
                "idempotency_key", "spo2_percent", "bp_systolic_mmhg"
            )
        )

    def assert_conflict(self, response, *fields):
        self.assertEqual(response.status_code, 409, response.content)
        body = response.json()
        self.assertEqual(set(body), {"error", "message", "fields"})
        self.assertEqual(body["error"], "conflict")
        for name in ("idempotency_key", *fields):
            self.assertIn(name, body["fields"])

    def test_a_reused_batch_key_with_a_low_spo2_is_409_not_a_silent_201(self):
        self.assertEqual(self.post("b1", self.reading(spo2_percent=97)).status_code, 201)
        response = self.post("b1", self.reading(spo2_percent=82))
        self.assert_conflict(response)
        self.assertEqual(self.stored(), [("b1:0", 97, None)])

    def test_a_reused_key_with_a_severe_bp_is_409_and_raises_nothing(self):
        self.post("b1", self.reading(bp_systolic_mmhg=130, bp_diastolic_mmhg=80))
        response = self.post("b1", self.reading(bp_systolic_mmhg=215, bp_diastolic_mmhg=125))
        self.assert_conflict(response)
        self.assertEqual(self.stored(), [("b1:0", None, 130)])
        self.assertFalse(self.session.alerts.exists())

    def test_an_identical_retry_answers_201_and_stores_nothing_twice(self):
        first = self.post("b1", self.reading(), self.reading(bp_systolic_mmhg=150))
        again = self.post("b1", self.reading(), self.reading(bp_systolic_mmhg=150))
        self.assertEqual((first.status_code, first.json()["stored"]), (201, 2))
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.json(), {"stored": 0, "duplicates": 2, "alerts": []})
        self.assertEqual(len(self.stored()), 2)

    def test_a_retry_with_the_same_time_in_another_offset_is_identical(self):
        self.post("b1", self.reading())
        self.when = self.instant.astimezone(timezone(timedelta(hours=5))).isoformat()
        self.assertEqual(self.post("b1", self.reading()).status_code, 201)

    def test_a_batch_key_resent_with_more_or_fewer_readings_is_409(self):
        self.post("b1", self.reading(), self.reading(spo2_percent=96))
        self.assert_conflict(self.post("b1", self.reading()))
        self.assert_conflict(
            self.post("b1", self.reading(), self.reading(spo2_percent=96), self.reading())
        )
        self.assertEqual(len(self.stored()), 2)

    def test_a_reading_key_reused_for_other_values_names_that_reading(self):
        self.post("b1", {**self.reading(), "idempotency_key": "r-1"})
        response = self.post("b2", {**self.reading(spo2_percent=82), "idempotency_key": "r-1"})
        self.assert_conflict(response, "readings[0].idempotency_key")
        self.assertEqual(self.stored(), [("r-1", 97, None)])

    def test_one_key_twice_in_a_batch_for_different_readings_is_409(self):
        response = self.post(
            "b1",
            {**self.reading(), "idempotency_key": "r-1"},
            {**self.reading(spo2_percent=82), "idempotency_key": "r-1"},
        )
        self.assert_conflict(response, "readings[1].idempotency_key")
        self.assertEqual(self.stored(), [])

    def test_a_row_stored_before_digests_is_compared_by_its_values(self):
        self.post("b1", self.reading(spo2_percent=97))
        VitalSignsReading.objects.exclude(id__in=self.before).update(payload_digest="")
        self.assertEqual(self.post("b1", self.reading(spo2_percent=97)).status_code, 201)
        self.assert_conflict(self.post("b1", self.reading(spo2_percent=82)))
