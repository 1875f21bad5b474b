"""Logs carry no patient data (issue 12 item 6).

Every route of the authorization matrix is called as the medical director (who may do
everything), with a search for the patient's name, a portal link's token in a path and a
patient's name in a path that does not exist; the configured console handler's output is read
back. No name, MRN, date of birth or token may appear in it, and every request writes one
JSON line with its ids, route pattern, status and duration.
"""

from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager

import pytest
from django.test import Client
from django.urls import get_resolver

from ketamine_care.core.logs import PlainRequestFilter, scrub_sentry_event
from ketamine_care.portal.services import create_link
from tests.test_authorization_matrix import API, HTML, MatrixFixture, _walk, valid_body

REQUEST_KEYS = {"request_id", "method", "route", "status", "duration_ms", "user_id", "clinic_id"}


@contextmanager
def console_output():
    """The configured console handler (settings.LOGGING), writing into a buffer."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


class NoPatientDataInLogsTests(MatrixFixture):
    # On PostgreSQL only: the same views log the same lines on either engine, except a
    # database error's message, and PostgreSQL's carries the offending values (its DETAIL)
    # where SQLite's names only the constraint. The engine that could leak runs it.
    @pytest.mark.only_on("postgresql")
    def test_every_route_logs_one_json_line_and_no_patient_data(self):
        patient = self.patient
        _, token = create_link(patient=patient, actor=self.nurse, instrument_codes=["phq9"])
        client = self.client_for(self.medical_director)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {self.tokens[self.medical_director.email]}")
        calls = 0
        with console_output() as output:
            for name, pattern in _walk(get_resolver().url_patterns):
                if name not in HTML or name == "accounts:logout":
                    continue
                url = "/" + self.fill(pattern)
                client.get(url, {"q": patient.family_name})
                client.post(url, {"note": patient.given_name, "mrn": patient.mrn})
                calls += 2
            for method, path in API:
                url = self.fill(path)
                if method == "get":
                    api.get(url, {"q": patient.family_name})
                elif method == "delete":
                    api.delete(url)
                else:
                    api.generic(
                        method.upper(),
                        url,
                        json.dumps(valid_body(method, path)),
                        content_type="application/json",
                    )
                calls += 1
            client.get(f"/self-report/{token}/")
            client.get(f"/no-such-page/{patient.family_name}/{patient.mrn}/")
            calls += 2
        text = output.getvalue()
        secrets = [
            patient.given_name,
            patient.family_name,
            patient.mrn,
            patient.date_of_birth.isoformat(),
            patient.date_of_birth.strftime("%d/%m/%Y"),
            patient.date_of_birth.strftime("%m/%d/%Y"),
            token,
        ]
        for secret in secrets:
            self.assertNotIn(secret.casefold(), text.casefold(), secret)
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        requests = [line for line in lines if line["logger"] == "ketamine_care.request"]
        self.assertEqual(len(requests), calls)
        for line in requests:
            self.assertLessEqual(REQUEST_KEYS, set(line))
            self.assertEqual(len(line["request_id"]), 32)
        chart = next(r for r in requests if r["route"] == "patients/<uuid:patient_id>/")
        self.assertEqual(chart["user_id"], self.medical_director.pk)
        self.assertEqual(chart["clinic_id"], str(self.clinic.public_id))
        self.assertEqual(chart["status"], 200)
        api_reads = [r for r in requests if (r["route"] or "").startswith("api/v1/patients")]
        answered = [r for r in api_reads if r["status"] == 200]
        self.assertTrue(answered)
        for line in answered:
            self.assertEqual(line["clinic_id"], str(self.clinic.public_id))
            self.assertEqual(line["user_id"], self.medical_director.pk)
        unmatched = [r for r in requests if r["route"] is None and r["status"] == 404]
        self.assertTrue(unmatched)

    def test_a_signed_out_request_logs_no_user_or_clinic(self):
        with console_output() as output:
            Client().get("/healthz")
        line = json.loads(output.getvalue().splitlines()[-1])
        self.assertEqual((line["route"], line["status"]), ("healthz", 200))
        self.assertIsNone(line["user_id"])
        self.assertIsNone(line["clinic_id"])


def _record(name: str, msg: str, *args, **extra) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


class _Request:
    method = "GET"
    resolver_match = None

    def __repr__(self) -> str:
        return "<WSGIRequest: GET '/self-report/secret-token/?q=Garcia'>"


def test_djangos_request_records_lose_the_path_and_the_request_object():
    record = _record(
        "django.request",
        "Not Found: %s",
        "/self-report/secret-token/",
        request=_Request(),
        status_code=404,
    )
    assert PlainRequestFilter().filter(record)
    assert record.getMessage() == "404 (unmatched route)"
    assert not hasattr(record, "request")


def test_the_development_servers_request_line_loses_its_query_string():
    record = _record(
        "django.server",
        '"%s" %s %s',
        "GET /patients/?q=Garcia HTTP/1.1",
        "200",
        "512",
        request=_Request(),
        status_code=200,
    )
    PlainRequestFilter().filter(record)
    assert record.getMessage() == "200 from the development server"


def test_other_records_keep_their_message():
    record = _record("ketamine_care.audit", "chain verified for %s clinics", 3)
    PlainRequestFilter().filter(record)
    assert record.getMessage() == "chain verified for 3 clinics"


def test_a_sentry_event_keeps_the_error_and_loses_everything_personal():
    event = {
        "request": {
            "method": "POST",
            "url": "https://clinic.example/self-report/secret-token/",
            "query_string": "q=Garcia",
            "data": {"given_name": "Ana"},
            "cookies": {"sessionid": "abc"},
            "headers": {"Cookie": "sessionid=abc"},
        },
        "user": {"id": 7, "email": "nurse@clinic.example", "ip_address": "10.0.0.1"},
        "breadcrumbs": {"values": [{"message": "SELECT ... 'Garcia'"}]},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "stacktrace": {"frames": [{"function": "view", "vars": {"name": "Ana"}}]},
                }
            ]
        },
    }
    scrubbed = scrub_sentry_event(event)
    text = json.dumps(scrubbed)
    for secret in ("secret-token", "Garcia", "Ana", "sessionid", "nurse@", "10.0.0.1"):
        assert secret not in text
    assert scrubbed["request"] == {"method": "POST"}
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["exception"]["values"][0]["type"] == "ValueError"
