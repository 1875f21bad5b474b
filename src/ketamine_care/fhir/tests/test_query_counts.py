"""A search page costs the same queries whatever the page size and however many rows exist
(keyset pages, related rows joined, includes in one query each)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.patients import services
from ketamine_care.testing.builders import make_patient

pytestmark = pytest.mark.django_db


def _clinic_with_patients(count: int, name: str = "") -> tuple[Client, Clinic]:
    name = name or f"Clinic of {count}"
    clinic = Clinic.objects.create(name=name)
    user = User.objects.create_user(f"{uuid.uuid4().hex[:8]}@test.clinic", "pw", full_name="P")
    membership = Membership.objects.create(user=user, clinic=clinic, role=Role.PRESCRIBER)
    for n in range(count):
        make_patient(clinic=clinic, actor=user, family_name=f"Rivera{n}")
    token = issue_api_token(
        membership=Membership.objects.select_related("clinic", "user").get(pk=membership.pk)
    )[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}"), clinic


def _queries_for_a_page(client, count: int, data: dict) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get("/fhir/R4/Patient", {"_count": count, **data})
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("data", [{}, {"name": "riv"}, {"birthdate": "ge1900"}])
def test_a_patient_page_costs_the_same_queries_at_two_sizes(django_assert_num_queries, data):
    small_client, _ = _clinic_with_patients(3)
    large_client, _ = _clinic_with_patients(30)
    # The first use of a token records it (at most once a minute): not part of a page's cost.
    for client in (small_client, large_client):
        client.get("/fhir/R4/metadata")
        client.get("/fhir/R4/Patient", {"_count": 0})
    small = _queries_for_a_page(small_client, 2, data)
    with django_assert_num_queries(small):
        large_client.get("/fhir/R4/Patient", {"_count": 20, **data})
    # A following page costs no more than the first.
    first = large_client.get("/fhir/R4/Patient", {"_count": 5, **data}).json()
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    with django_assert_num_queries(small):
        large_client.get(following)


def _patient_with_weights(count: int):
    client, clinic = _clinic_with_patients(1, f"Clinic of {count} weights")
    patient = clinic.patients.get()
    actor = User.objects.get(memberships__clinic=clinic)
    for n in range(count):
        services.record_measurement(
            patient=patient,
            actor=actor,
            weight=Decimal(60 + n % 40),
            measured_at=timezone.now() - timedelta(days=n),
        )
    client.get("/fhir/R4/Observation", {"_count": 0})
    return client, patient


def test_an_observation_page_by_patient_and_code_costs_the_same_at_two_sizes(
    django_assert_num_queries,
):
    small_client, small_patient = _patient_with_weights(3)
    large_client, large_patient = _patient_with_weights(40)

    def page(client, patient, count):
        data = {"patient": str(patient.public_id), "code": "http://loinc.org|29463-7"}
        return client.get(
            "/fhir/R4/Observation", {**data, "_count": count, "_include": "Observation:patient"}
        )

    with CaptureQueriesContext(connection) as small:
        assert page(small_client, small_patient, 2).status_code == 200
    with django_assert_num_queries(len(small.captured_queries)):
        body = page(large_client, large_patient, 30).json()
    assert len(body["entry"]) == 31  # 30 weights and their patient, included once
    assert body["total"] == 40
