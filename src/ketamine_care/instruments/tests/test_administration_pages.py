"""`GET /api/v1/patients/{id}/administrations` pages: newest first, `limit` at a time, the
next page in the `Link` header; following it lists every administration once, in the order
of the whole list, in the same number of queries whatever the history."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.instruments.models import Administration
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record


def _client(user) -> Client:
    token = issue_api_token(membership=Membership.objects.get(user=user))[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _store(patient, actor, minutes) -> None:
    """One rating per entry, at that many minutes past a fixed start (ties are common)."""
    start = timezone.now() - timedelta(days=2)
    for i, minute in enumerate(minutes):
        code, answers = ("phq9", phq9(i % 20)) if i % 3 else ("gad7", [1] * 7)
        made = record(patient, actor, code, answers)
        Administration.objects.filter(pk=made.pk).update(
            administered_at=start + timedelta(minutes=minute)
        )


def _walk(client, url: str, limit: int, **params) -> tuple[list[str], int]:
    """Every page, following `Link`; (ids in order, pages)."""
    ids, pages, query = [], 0, {"limit": limit, **params}
    while True:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        pages += 1
        ids.extend(row["id"] for row in response.json())
        link = response.headers.get("Link")
        if not link:
            return ids, pages
        assert len(response.json()) == limit and link.endswith('>; rel="next"'), link
        query = {k: v[0] for k, v in parse_qs(urlsplit(link[1:-13]).query).items()}
        assert pages < 100, "the pages never end"


class AdministrationPagesTests(HypothesisTestCase, ClinicTestCase):
    @settings(max_examples=20, deadline=None)
    @given(
        minutes=st.lists(st.integers(min_value=0, max_value=4), max_size=9),
        limit=st.integers(min_value=1, max_value=4),
        instrument=st.sampled_from(["", "phq9"]),
    )
    def test_pages_concatenate_to_the_whole_list_newest_first(self, minutes, limit, instrument):
        patient = make_patient(clinic=self.clinic, actor=self.prescriber)
        _store(patient, self.nurse, minutes)
        url = f"/api/v1/patients/{patient.public_id}/administrations"
        params = {"instrument": instrument} if instrument else {}
        ids, pages = _walk(_client(self.nurse), url, limit, **params)
        whole = Administration.objects.filter(patient=patient).order_by("-administered_at", "-id")
        if instrument:
            whole = whole.filter(instrument_code=instrument)
        self.assertEqual(ids, [str(a.public_id) for a in whole])
        self.assertEqual(pages, max(1, -(-len(ids) // limit)))


class AdministrationPageQueriesTests(ClinicTestCase):
    def _queries(self, history: int) -> tuple[int, int]:
        patient = make_patient(clinic=self.clinic, actor=self.prescriber)
        _store(patient, self.nurse, range(history))
        url = f"/api/v1/patients/{patient.public_id}/administrations"
        client = _client(self.nurse)
        client.get(url)  # the token's first use is recorded once
        with CaptureQueriesContext(connection) as first:
            response = client.get(url, {"limit": 3})
        self.assertEqual(len(response.json()), 3)
        cursor = response.json()[-1]["id"]
        with CaptureQueriesContext(connection) as later:
            response = client.get(url, {"limit": 3, "cursor": cursor})
        self.assertEqual(response.status_code, 200)
        return len(first), len(later)

    def test_the_same_queries_with_four_administrations_and_with_forty(self):
        small = self._queries(4)
        self.assertEqual(self._queries(40), small)
        self.assertEqual(small[1], small[0] + 1)  # the cursor's administration

    def test_the_default_page_is_a_hundred_and_the_limit_is_bounded(self):
        url = f"/api/v1/patients/{self.patient.public_id}/administrations"
        client = _client(self.nurse)
        self.assertEqual(client.get(url).json(), [])
        self.assertNotIn("Link", client.get(url).headers)
        self.assertEqual(client.get(url, {"limit": 201}).status_code, 422)
        self.assertEqual(client.get(url, {"limit": 0}).status_code, 422)

    def test_a_cursor_of_another_patient_or_unknown_is_a_400_naming_the_cursor(self):
        other = make_patient(clinic=self.clinic, actor=self.prescriber)
        theirs = record(other, self.nurse, "gad7", [1] * 7)
        url = f"/api/v1/patients/{self.patient.public_id}/administrations"
        client = _client(self.nurse)
        for cursor in (str(theirs.public_id), "not-a-cursor"):
            response = client.get(url, {"cursor": cursor})
            self.assertEqual(response.status_code, 400)
            self.assertIn("cursor", response.json()["fields"])
