"""A search page costs the same queries whatever the page size and however many rows exist
(keyset pages, related rows joined, includes in one query each)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.testing.builders import make_patient

pytestmark = pytest.mark.django_db


def _clinic_with_patients(count: int) -> tuple[Client, str]:
    clinic = Clinic.objects.create(name=f"Clinic of {count}")
    user = User.objects.create_user(f"p{count}@test.clinic", "pw", full_name="P")
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
