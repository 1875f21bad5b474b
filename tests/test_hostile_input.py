"""Hostile input at every API operation never reaches a 500 (issue 9, item 4).

NUL bytes and lone surrogates in any body field or query parameter answer 422 naming the
field, before anything is stored, on SQLite and PostgreSQL alike (--postgres). Huge numbers,
NaN, Infinity and negative or huge paging values answer 4xx in the error shape. An oversize
body, an unavailable database and an unexpected error answer in the JSON error shape too.
"""

from __future__ import annotations

import json
from unittest import mock

from django.db import OperationalError
from django.test import Client, TestCase, override_settings

from ketamine_care.config.api import api
from ketamine_care.patients.models import Patient
from ketamine_care.treatment_sessions.models import VitalSignsReading
from tests import test_authorization_matrix as matrix

SHAPE = {"error", "message", "fields"}
NUL, SURROGATE = "a\x00b", "a\ud800b"
# Raw JSON number texts: Python's reader turns 1e999 into inf and accepts NaN/Infinity.
NUMBERS = ("1e999", "-1e999", "NaN", "Infinity", "1" + "0" * 40, "-1" + "0" * 40, "-1", "0")
PAGING = ("-1", "0", "201", "1" + "0" * 30, "NaN", "1e999", "x")


def _operations():
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            if "$ref" in body:
                body = components[body["$ref"].rsplit("/", 1)[-1]]
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            yield method, path, sorted(body.get("properties", {})), query


class HostileInputTests(matrix.AuthorizationMatrixTests):
    """Reuses the matrix's fixtures (a record behind every path parameter), not its tests."""

    test_every_route_has_an_expectation = None
    test_html_routes_as_each_role = None
    test_html_routes_of_another_clinics_records_answer_404 = None
    test_anonymous_users_are_sent_to_sign_in = None
    test_api_operations_as_each_role = None
    test_api_operations_on_another_clinics_records_answer_404 = None
    test_api_operations_without_credentials_answer_401 = None

    def client_for(self, user=None, **kwargs):
        token = self.tokens[(user or self.medical_director).email]
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)

    def send(self, method, path, body_text=None, query=""):
        url = self.fill(path) + (f"?{query}" if query else "")
        kwargs = {"content_type": "application/json"}
        if body_text is not None:
            kwargs["data"] = body_text
        return getattr(self.client_for(), method)(url, **kwargs)

    def body_with(self, method, path, field, raw_value):
        try:
            body = dict(matrix.valid_body(method, path))
        except KeyError:
            body = {}
        body[field] = "__HOSTILE__"
        return json.dumps(body).replace('"__HOSTILE__"', raw_value)

    def assert_shape(self, response, status=None):
        self.assertTrue(
            response["Content-Type"].startswith("application/json"), response.content[:200]
        )
        self.assertEqual(set(response.json()), SHAPE)
        if status is not None:
            self.assertEqual(response.status_code, status, response.content)

    def test_nul_and_surrogates_in_every_body_field_are_422_naming_it(self):
        for method, path, fields, _ in _operations():
            for field in fields:
                for text in (NUL, SURROGATE):
                    with self.subTest(method=method, path=path, field=field, text=repr(text)):
                        raw = json.dumps(text)  # the surrogate travels as \ud800
                        response = self.send(method, path, self.body_with(method, path, field, raw))
                        self.assert_shape(response, 422)
                        self.assertIn(field, response.json()["fields"])

    def test_hostile_numbers_in_every_body_field_never_answer_500(self):
        for method, path, fields, _ in _operations():
            for field in fields:
                for number in NUMBERS:
                    with self.subTest(method=method, path=path, field=field, number=number):
                        response = self.send(
                            method, path, self.body_with(method, path, field, number)
                        )
                        self.assertLess(response.status_code, 500, response.content[:300])
                        if response.status_code >= 400:
                            self.assert_shape(response)
                        if number in ("1e999", "-1e999", "NaN", "Infinity"):
                            self.assert_shape(response, 422)
                            self.assertIn(field, response.json()["fields"])

    def test_hostile_query_parameters_never_answer_500(self):
        for method, path, _, query in _operations():
            for name in query:
                for value in ("%00", "a%00b", "%ED%A0%80", *PAGING):
                    with self.subTest(method=method, path=path, name=name, value=value):
                        response = self.send(method, path, query=f"{name}={value}")
                        self.assertLess(response.status_code, 500, response.content[:300])
                        if response.status_code >= 400:
                            self.assert_shape(response)
                        if "%00" in value:
                            self.assert_shape(response, 422)
                            self.assertIn(name, response.json()["fields"])

    def test_limit_is_capped_and_offset_bounded_on_every_paged_list(self):
        paged = [(m, p, q) for m, p, _, q in _operations() if "limit" in q]
        # Two lists page by offset (patients, sessions), one by cursor (administrations).
        self.assertEqual(len(paged), 3)
        self.assertEqual(sum("offset" in q for _, _, q in paged), 2)
        for method, path, names in paged:
            bounds = [("limit=201", "limit"), ("limit=0", "limit")]
            if "offset" in names:
                bounds += [("offset=-1", "offset"), ("offset=1" + "0" * 30, "offset")]
            for query, field in bounds:
                with self.subTest(path=path, query=query):
                    response = self.send(method, path, query=query)
                    self.assert_shape(response, 422)
                    self.assertIn(field, response.json()["fields"])
            with self.subTest(path=path, query="limit=200"):
                self.assertEqual(self.send(method, path, query="limit=200").status_code, 200)

    def test_nul_in_a_path_segment_is_422(self):
        response = self.send("get", "/api/v1/instruments/phq%009")
        self.assert_shape(response, 422)

    def test_a_refused_nul_stores_nothing(self):
        before = Patient.objects.count()
        body = dict(matrix.valid_body("post", "/api/v1/patients"), given_name="Ann\x00")
        response = self.send("post", "/api/v1/patients", json.dumps(body))
        self.assert_shape(response, 422)
        self.assertEqual(response.json()["fields"], {"given_name": "Contains a NUL character."})
        self.assertEqual(Patient.objects.count(), before)

    def test_a_nul_nested_in_a_vitals_batch_names_the_reading(self):
        session = self.session_fixture["session"]
        before = VitalSignsReading.objects.count()
        body = {
            "idempotency_key": "k",
            "readings": [
                {"measured_at": "2020-01-01T00:00:00Z", "heart_rate_bpm": 70},
                {"measured_at": "2020-01-01T00:01:00Z", "heart_rate_bpm": 70, "source": NUL},
            ],
        }
        path = f"/api/v1/treatment-sessions/{session.public_id}/vitals"
        response = self.send("post", path, json.dumps(body))
        self.assert_shape(response, 422)
        self.assertIn("readings[1].source", response.json()["fields"])
        self.assertEqual(VitalSignsReading.objects.count(), before)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_an_oversize_body_is_413_in_the_error_shape(self):
        body = json.dumps({"given_name": "x" * 5000})
        response = self.send("post", "/api/v1/patients", body)
        self.assert_shape(response, 413)

    def test_an_unavailable_database_is_503_in_the_error_shape(self):
        with mock.patch(
            "ketamine_care.patients.api.search_page",
            side_effect=OperationalError("could not connect to server"),
        ):
            response = self.send("get", "/api/v1/patients")
        self.assert_shape(response, 503)
        self.assertEqual(response.json()["error"], "unavailable")

    def test_an_unavailable_database_outside_the_api_view_is_503_json(self):
        # Raised in middleware (as when the session or token cannot be read): Django's own
        # handler500 answers, still in the API's shape.
        with mock.patch(
            "ketamine_care.core.api_input.input_error",
            side_effect=OperationalError("could not connect to server"),
        ):
            response = self.client_for(raise_request_exception=False).get("/api/v1/patients")
        self.assert_shape(response, 503)

    def test_an_unexpected_error_is_500_in_the_error_shape_not_html(self):
        with mock.patch("ketamine_care.patients.api.search_page", side_effect=RuntimeError("boom")):
            response = self.send("get", "/api/v1/patients")
        self.assert_shape(response, 500)
        self.assertNotIn("boom", response.content.decode())
        with mock.patch("ketamine_care.core.api_input.input_error", side_effect=RuntimeError):
            response = self.client_for(raise_request_exception=False).get("/api/v1/patients")
        self.assert_shape(response, 500)

    def test_an_unknown_api_path_is_404_json(self):
        response = self.send("get", "/api/v1/no-such-thing")
        self.assert_shape(response, 404)


class MalformedBodyTests(TestCase):
    def test_multipart_without_a_boundary_is_400_in_the_error_shape(self):
        response = Client().post(
            "/api/v1/auth/tokens", data=b"x", content_type="multipart/form-data"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "bad_request")
