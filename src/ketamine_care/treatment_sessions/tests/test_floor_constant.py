"""The floor, its HTMX poll and the session page cost the same number of queries with one chair
and two readings as with many chairs and hundreds of readings; the floor's latest readings,
BP time and waiting recheck, read from one indexed query and the alert checkpoints, are those
that every reading gives (on SQLite and, with --postgres, on PostgreSQL's LATERAL path)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketamine_care.testing.base import ClinicTestCase, audit_statements
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions import floor, services
from ketamine_care.treatment_sessions.latest_readings import latest_readings
from ketamine_care.treatment_sessions.models import VitalSignsReading
from ketamine_care.treatment_sessions.monitoring import READING_VALUES, monitoring_for
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session

POLL = {"HX-Request": "true", "HX-Target": "chairs"}


def batch(count: int, *, minutes_ago: float = 50, severe_at: int | None = None) -> list[dict]:
    """`count` readings 10 s apart from `minutes_ago`, BP on every other one (test data)."""
    start = ago(minutes_ago)
    readings = []
    for i in range(count):
        values = {"heart_rate_bpm": 70 + i % 9, "spo2_percent": 97}
        if i % 2 == 0:
            values |= {"bp_systolic_mmhg": 120 + i % 11, "bp_diastolic_mmhg": 76}
        if i == severe_at:
            values |= {"bp_systolic_mmhg": 186, "bp_diastolic_mmhg": 100}
        readings.append({"measured_at": start + timedelta(seconds=10 * i), **values})
    return readings


class ConstantQueriesTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def chair(self, name: str, readings: list[dict], **kwargs):
        patient = make_patient(clinic=self.clinic, actor=self.nurse, family_name=name)
        session = dosing_session(
            patient, self.version, self.nurse, self.prescriber, chair_label=name, **kwargs
        )
        if readings:
            services.record_vitals(session=session, actor=self.nurse, readings=readings)
        return session

    def queries(self, client, url: str, **headers) -> int:
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(client.get(url, headers=headers).status_code, 200)
        return len(captured)

    def test_the_floor_and_its_poll_cost_the_same_queries_for_few_or_many_readings(self):
        first = self.chair("Few", batch(2))
        client = self.client_for(self.nurse)
        client.get("/sessions/")
        page, poll = self.queries(client, "/sessions/"), self.queries(client, "/sessions/", **POLL)
        self.assertEqual(poll, 6 + audit_statements())  # as test_views spells out
        services.record_vitals(session=first, actor=self.nurse, readings=batch(150, minutes_ago=40))
        for number in range(4):
            self.chair(f"Many{number}", batch(60, severe_at=59 - number), started_min_ago=90)
        with self.assertNumQueries(page):
            response = client.get("/sessions/")
        self.assertContains(response, "Many3")
        with self.assertNumQueries(poll):
            client.get("/sessions/", headers=POLL)

    def test_the_session_page_costs_the_same_queries_for_few_or_many_readings(self):
        session = self.chair("Page", batch(2))
        client = self.client_for(self.nurse)
        url = f"/sessions/{session.public_id}/"
        client.get(url)
        few = self.queries(client, url)
        services.record_vitals(
            session=session, actor=self.nurse, readings=batch(300, minutes_ago=55, severe_at=7)
        )
        self.assertTrue(session.alerts.exists())
        with self.assertNumQueries(few):
            response = client.get(url)
        self.assertContains(response, "bp_at_or_above_180_110_once")

    def test_the_floor_shows_what_every_reading_gives(self):
        sessions = [
            self.chair("Clear", batch(30)),
            self.chair("Waiting", batch(30, severe_at=29), started_min_ago=70),
            self.chair("Fired", batch(60, severe_at=0) + batch(1, minutes_ago=30, severe_at=0)),
            self.chair("Empty", []),
        ]
        # Two readings at the same time: the later row is the latest, as the old query said.
        tie = ago(1)
        services.record_vitals(
            session=sessions[0],
            actor=self.nurse,
            readings=[{"measured_at": tie, "heart_rate_bpm": 71},
                      {"measured_at": tie, "heart_rate_bpm": 72}],
        )  # fmt: skip
        chairs = {chair.session.pk: chair for chair in floor.floor(self.clinic)}
        for session in sessions:
            every = list(
                VitalSignsReading.objects.filter(session=session)
                .order_by("-measured_at", "-id")
                .values(*READING_VALUES)
            )
            chair = chairs[session.pk]
            self.assertEqual(chair.last, every[0] if every else None)
            old = floor._recheck(session, every, monitoring_for(session))
            self.assertEqual((chair.recheck, chair.recheck_at), old)
        self.assertIsNotNone(chairs[sessions[1].pk].recheck)
        self.assertIsNone(chairs[sessions[2].pk].recheck)

    def test_the_latest_readings_query_matches_every_reading_sorted(self):
        sessions = [self.chair(f"L{n}", batch(n * 7 + 1)) for n in range(3)]
        found = latest_readings([s.pk for s in sessions], 3)
        for session in sessions:
            every = list(
                VitalSignsReading.objects.filter(session=session)
                .order_by("-measured_at", "-id")
                .values(*READING_VALUES)
            )
            with_bp = [r["measured_at"] for r in every if r["bp_systolic_mmhg"] is not None]
            self.assertEqual(found[session.pk], (every[:3], max(with_bp, default=None)))
        self.assertEqual(latest_readings([], 2), {})
