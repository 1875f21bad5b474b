"""Under DEBUG too (a developer's server) the project's own error pages answer (the demo runs
with DEBUG off: tests/test_demo_and_health.py), and the API docs page
loads only the project's own vendored files, under the same Content-Security-Policy."""

from __future__ import annotations

import re
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from ketamine_care.testing.base import ClinicTestCase

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


@override_settings(DEBUG=True)
class DebugErrorPagesTests(ClinicTestCase):
    def test_an_unknown_address_gets_the_project_404_page(self):
        response = self.client_for(self.nurse).get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assertTemplateUsed(response, "404.html")
        self.assertContains(response, "There is nothing at this address", status_code=404)
        self.assertNotContains(response, "URLconf", status_code=404)

    def test_an_object_that_is_not_there_gets_the_project_404_page(self):
        response = self.client_for(self.prescriber).get(f"/patients/{uuid.uuid4()}/")
        self.assertEqual(response.status_code, 404)
        self.assertTemplateUsed(response, "404.html")

    def test_an_error_gets_the_project_500_page_without_a_traceback(self):
        client = self.client_for(self.prescriber)
        client.raise_request_exception = False
        with mock.patch(
            "ketamine_care.protocols.views.queries.library", side_effect=RuntimeError("boom")
        ):
            response = client.get("/protocols/")
        self.assertEqual(response.status_code, 500)
        self.assertTemplateUsed(response, "500.html")
        self.assertNotContains(response, "Traceback", status_code=500)
        self.assertNotContains(response, "boom", status_code=500)

    def test_the_403_page_is_the_projects(self):
        response = self.client_for(self.front_desk).get("/audit/")
        self.assertEqual(response.status_code, 403)
        self.assertTemplateUsed(response, "403.html")

    def test_api_errors_stay_json(self):
        response = Client().get("/api/v1/no-such-endpoint")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(response["Content-Type"].startswith("text/html"))

    @override_settings(PROJECT_ERROR_PAGES=False)
    def test_developers_can_ask_for_the_technical_pages(self):
        response = self.client_for(self.nurse).get("/no-such-page/")
        self.assertContains(response, "URLconf", status_code=404)


def test_the_demo_settings_serve_the_project_pages():
    # A developer's DEBUG server keeps the project's pages unless PROJECT_ERROR_PAGES is off.
    assert settings.PROJECT_ERROR_PAGES is True


def test_api_docs_reference_no_external_host_and_their_files_exist(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(?:src|href)=[\"'](?:https?:)?//", html), html
    assert "cdn" not in html.lower()
    references = re.findall(r"(?:src|href)=[\"']/static/([^\"']+)", html)
    assert len(references) >= 3, references
    for path in references:
        assert finders.find(path), path
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy


def test_every_page_links_the_favicon(db):
    html = Client().get("/accounts/login/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon.svg" type="image/svg\+xml">', html)
    assert finders.find("favicon.svg")
