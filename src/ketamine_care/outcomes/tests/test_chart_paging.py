"""The chart's measures page their ratings (newest first, a fixed page size, labelled links
to older and newer ones) while the outcome summary still covers the whole history; the chart
page, its sessions section and the chart API run the same number of queries at any size."""

from __future__ import annotations

import re

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from ketamine_care.core import sections
from ketamine_care.outcomes.queries import RATINGS_PAGE_SIZE
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record

LONG = RATINGS_PAGE_SIZE + 5


def rate(patient, actor, count: int, codes=("phq9",)) -> None:
    """`count` weekly ratings of each instrument, oldest first, the first one the baseline."""
    for week in range(count):
        for code in codes:
            answers = phq9(20 - week % 15) if code == "phq9" else [(week % 4)] * 7
            record(patient, actor, code, answers, days_ago=7 * (count - week),
                   time_point="baseline" if week == 0 else "follow_up")  # fmt: skip


def figure(html: str, code: str) -> str:
    found = re.search(
        rf'<figure class="trajectory" id="trajectory-{code}">.*?</figure>', html, re.S
    )
    assert found, f"no {code} trajectory on the page"
    return found.group(0)


def table_rows(html: str) -> int:
    return html.count("<tr><td>")


class RatingsPagingTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.long = make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn="LONG-RATED")
        rate(cls.long, cls.nurse, LONG)

    def chart(self, query=""):
        response = self.client_for(self.nurse).get(f"/patients/{self.long.public_id}/{query}")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_newest_page_shows_the_latest_ratings_and_links_to_older_ones(self):
        part = figure(self.chart(), "phq9")
        self.assertEqual(table_rows(part), RATINGS_PAGE_SIZE)
        self.assertEqual(part.count('class="point"'), RATINGS_PAGE_SIZE)  # plotted: the page
        self.assertIn(f"Ratings 1–{RATINGS_PAGE_SIZE} of {LONG}", part)
        self.assertIn(f"({LONG} administrations; ratings 1–{RATINGS_PAGE_SIZE}, newest", part)
        self.assertIn('href="?ratings_phq9=2#trajectory-phq9">Older PHQ-9 ratings</a>', part)
        self.assertNotIn("Newer PHQ-9 ratings", part)
        self.assertIn('aria-label="PHQ-9 rating pages"', part)

    def test_the_table_lists_newest_first(self):
        part = figure(self.chart(), "phq9")
        dates = re.findall(r"<tr><td>(\d{4}-\d{2}-\d{2} \d{2}:\d{2})</td>", part)
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_the_older_page_holds_the_rest_and_links_back(self):
        part = figure(self.chart("?ratings_phq9=2"), "phq9")
        self.assertEqual(table_rows(part), LONG - RATINGS_PAGE_SIZE)
        self.assertIn(f"Ratings {RATINGS_PAGE_SIZE + 1}–{LONG} of {LONG}", part)
        self.assertIn('href="?ratings_phq9=1#trajectory-phq9">Newer PHQ-9 ratings</a>', part)
        self.assertNotIn("Older PHQ-9 ratings", part)
        self.assertIn("Baseline", part)  # the oldest rating, marked as the baseline

    def test_a_page_out_of_range_shows_the_nearest_and_nonsense_the_newest(self):
        self.assertIn(
            f"Ratings {RATINGS_PAGE_SIZE + 1}–", figure(self.chart("?ratings_phq9=99"), "phq9")
        )
        for junk in ("?ratings_phq9=x", "?ratings_phq9=-3", "?ratings_phq9="):
            self.assertIn(f"Ratings 1–{RATINGS_PAGE_SIZE} of", figure(self.chart(junk), "phq9"))

    def test_the_summary_covers_the_whole_history_on_every_page(self):
        for query in ("", "?ratings_phq9=2"):
            html = self.chart(query)
            table = re.search(r'<table id="outcomes-table">.*?</table>', html, re.S).group(0)
            # The baseline (20, the oldest rating) is on page 2 only, yet both pages use it.
            self.assertRegex(table, r"<td>20 <span class=\"muted\">")

    def test_a_short_history_has_no_pager(self):
        record(self.patient, self.nurse, "phq9", phq9(12), days_ago=3, time_point="baseline")
        record(self.patient, self.nurse, "phq9", phq9(5), days_ago=1)
        html = self.client_for(self.nurse).get(f"/patients/{self.patient.public_id}/")
        part = figure(html.content.decode(), "phq9")
        self.assertIn("(2 administrations)", part)
        self.assertEqual(table_rows(part), 2)
        self.assertNotIn("rating pages", part)


class ConstantQueriesTests(ClinicTestCase):
    """The same number of queries with 3 ratings per instrument and with many pages of them."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.short = make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn="SHORT")
        cls.long = make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn="LONG")
        rate(cls.short, cls.nurse, 3, codes=("phq9", "gad7"))
        rate(cls.long, cls.nurse, 2 * RATINGS_PAGE_SIZE + 3, codes=("phq9", "gad7"))

    def same_count(self, call) -> None:
        call(self.short)  # warm the session and the caches
        call(self.long)
        with CaptureQueriesContext(connection) as short:
            call(self.short)
        with self.assertNumQueries(len(short.captured_queries)):
            call(self.long)

    def test_the_chart_page(self):
        client = self.client_for(self.nurse)
        self.same_count(lambda p: client.get(f"/patients/{p.public_id}/"))
        self.same_count(lambda p: client.get(f"/patients/{p.public_id}/?ratings_gad7=2"))

    def test_the_chart_api(self):
        client = self.client_for(self.prescriber)
        self.same_count(lambda p: client.get(f"/api/v1/patients/{p.public_id}/outcomes"))
        self.same_count(lambda p: client.get(f"/api/v1/patients/{p.public_id}"))

    def test_the_measures_and_sessions_sections(self):
        request = RequestFactory().get("/")
        request.user, request.membership = self.nurse, self.membership(self.nurse)
        for name in ("measures", "sessions"):
            section = sections.section(sections.PATIENT_CHART, name)
            self.same_count(lambda p, s=section: sections.build(s, request, p))
