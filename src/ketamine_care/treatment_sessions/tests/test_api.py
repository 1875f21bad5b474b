"""The session API: vitals batches, error shape, other clinic 404, roles 403."""

from django.test import Client

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session


class SessionApiTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        self.url = f"/api/v1/treatment-sessions/{self.session.public_id}"

    def api(self, user):
        token = issue_api_token(membership=self.membership(user))[1]
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def batch(self, key="b1", **reading):
        reading = reading or {"bp_systolic_mmhg": 130, "bp_diastolic_mmhg": 80}
        return {
            "idempotency_key": key,
            "source": "monitor-7",
            "readings": [{"measured_at": ago(20).isoformat(), **reading}],
        }

    def post(self, user, path, body):
        return self.api(user).post(self.url + path, body, content_type="application/json")

    def test_a_batch_is_stored_once_and_retries_report_duplicates(self):
        batch = self.batch()  # a retry resends the same body (same measured_at)
        first = self.post(self.nurse, "/vitals", batch)
        self.assertEqual(first.status_code, 201)
        self.assertEqual(first.json()["stored"], 1)
        again = self.post(self.nurse, "/vitals", batch)
        self.assertEqual(again.json(), {"stored": 0, "duplicates": 1, "alerts": []})

    def test_an_implausible_value_is_422_naming_reading_and_field(self):
        response = self.post(self.nurse, "/vitals", self.batch(bp_systolic_mmhg=400))
        self.assertEqual(response.status_code, 422)
        body = response.json()
        self.assertEqual(body["error"], "validation_error")
        self.assertIn("readings[0].bp_systolic_mmhg", body["fields"])

    def test_an_urgent_alert_is_returned_and_acknowledged(self):
        response = self.post(self.nurse, "/vitals", self.batch(bp_systolic_mmhg=210))
        alert = response.json()["alerts"][0]
        self.assertEqual((alert["tier"], alert["rule"]), ("urgent", "bp_above_200_120"))
        ack = self.post(
            self.nurse, f"/alerts/{alert['id']}/acknowledge", {"action_taken": "Repeated BP"}
        )
        self.assertEqual(ack.status_code, 200)
        self.assertEqual(ack.json()["action_taken"], "Repeated BP")

    def test_a_signed_session_refuses_readings_with_409(self):
        steady = {"bp_systolic_mmhg": 125, "bp_diastolic_mmhg": 80, "heart_rate_bpm": 74}
        self.post(
            self.nurse,
            "/vitals",
            {
                "idempotency_key": "b1",
                "readings": [
                    {"measured_at": ago(30).isoformat(), **steady},
                    {"measured_at": ago(20).isoformat(), **steady, "moaas": 5, "spo2_percent": 98},
                ],
            },
        )
        self.post(self.nurse, "/transitions", {"to": "ready_for_discharge", "escort_present": True})
        assessment = {"escort_name": "Sam", "instructions": ["no_driving"], "confirmed": True}
        self.post(self.nurse, "/discharge", assessment)
        signed = self.post(self.prescriber, "/sign", {"note": "ok"})
        self.assertEqual(signed.status_code, 200, signed.content)
        response = self.post(self.nurse, "/vitals", self.batch(key="late"))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"], "session_signed")

    def test_an_illegal_transition_is_409_with_a_message(self):
        response = self.post(self.nurse, "/transitions", {"to": "discharged"})
        self.assertEqual(response.status_code, 409)
        self.assertIn("cannot become discharged", response.json()["message"])

    def test_another_clinics_session_is_404_everywhere(self):
        paths = [
            ("get", "", None),
            ("get", "/vitals", None),
            ("post", "/vitals", self.batch()),
            ("post", "/check-in", {}),
            ("post", "/transitions", {"to": "checked_in"}),
            ("post", "/sign", {"note": ""}),
            ("post", "/adverse-events", {"event_type": "nausea", "severity": "mild",
                                         "action_taken": "x", "outcome": "resolved"}),
        ]  # fmt: skip
        client = self.api(self.outsider)
        for method, path, body in paths:
            with self.subTest(path=path):
                response = getattr(client, method)(
                    self.url + path, body, content_type="application/json"
                )
                self.assertEqual(response.status_code, 404)

    def test_front_desk_cannot_record_vitals_or_read_the_session(self):
        self.assertEqual(self.post(self.front_desk, "/vitals", self.batch()).status_code, 403)
        self.assertEqual(self.api(self.front_desk).get(self.url).status_code, 403)

    def test_the_session_read_shows_discharge_readiness(self):
        body = self.api(self.nurse).get(self.url).json()
        self.assertIn("escort_not_confirmed", body["discharge"]["unmet"])
        self.assertEqual(body["readings"][0]["bp_systolic_mmhg"], 124)
        services.record_adverse_event(
            session=self.session, actor=self.nurse, event_type="hypertension",
            severity="severe", serious=True, action_taken="ED transfer", outcome="transferred",
        )  # fmt: skip
        body = self.api(self.medical_director).get(self.url).json()
        self.assertIn("serious_adverse_event", [a["rule"] for a in body["alerts"]])
