"""The researcher exports a project: from the workspace to the project page, *Export the
de-identified data*, the export's page says it is being prepared, turns ready by itself once
the worker has made the zip, and the download gives the export's files (issue 16 item 3)."""

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.research.models import ResearchProject
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.jobs import run_worker
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def researcher():
    clinic = Clinic.objects.create(name="Research Export Clinic")
    user = User.objects.create_user("rs@export.clinic", PASSWORD, full_name="Robin Researcher")
    Membership.objects.create(user=user, clinic=clinic, role=Role.RESEARCHER)
    director = User.objects.create_user("md@export.clinic", PASSWORD, full_name="Dana Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    make_patient(clinic=clinic, actor=director, mrn="BR-1", given_name="Browsertest")
    ResearchProject.objects.create(
        clinic=clinic, name="Relapse study", slug="relapse-study", created_by=director
    )
    return user


def test_the_researcher_exports_a_project_and_downloads_the_zip(page, sign_in, researcher):
    sign_in(researcher.email, PASSWORD)
    page.goto("/research/")
    page.get_by_role("link", name="Relapse study").click()
    expect(page.get_by_role("heading", name="Export", exact=True)).to_be_visible()
    save(page, "research-project-export")
    page.get_by_role("button", name="Export the de-identified data").click()
    expect(page).to_have_url(re.compile(r"/accounts/exports/[0-9a-f-]+/$"))
    expect(page.get_by_text("De-identified research export (zip): Relapse study")).to_be_visible()
    state = page.locator("#export-state")
    expect(state).to_have_attribute("data-state", "preparing")

    run_worker()
    expect(state).to_have_attribute("data-state", "ready")  # the page polls; no reload
    save(page, "research-export-ready")
    link = page.get_by_role("link", name=re.compile(r"Download research-relapse-study-.*\.zip"))
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as body:
        archive = zipfile.ZipFile(io.BytesIO(body.read()))
    names = set(archive.namelist())
    assert {"manifest.json", "README.md", "data_dictionary.json", "patients.parquet"} <= names
    assert json.loads(archive.read("manifest.json"))["project"] == "relapse-study"
    assert b"Browsertest" not in b"".join(archive.read(name) for name in names)
