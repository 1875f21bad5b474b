"""A clinic with tokens of every kind, and a client that speaks FHIR with one of them."""

from __future__ import annotations

from django.test import Client

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.testing.base import ClinicTestCase


class FhirTestCase(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.token = cls.issue(cls.prescriber)

    @classmethod
    def issue(cls, user, scopes: str = "user/*.read", patient_context=None) -> str:
        membership = user.memberships.select_related("clinic", "user").get()
        return issue_api_token(
            membership=membership, scopes=scopes, patient_context=patient_context
        )[1]

    def fhir(self, path: str, token: str | None = None, data=None, **headers):
        token = self.token if token is None else token
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return Client().get(f"/fhir/R4/{path}", data or {}, **headers)

    def assert_outcome(self, response, status: int, code: str) -> dict:
        self.assertEqual(response.status_code, status, response.content[:300])
        self.assertTrue(response["Content-Type"].startswith("application/fhir+json"))
        body = response.json()
        self.assertEqual(body["resourceType"], "OperationOutcome")
        self.assertEqual(body["issue"][0]["code"], code)
        return body
