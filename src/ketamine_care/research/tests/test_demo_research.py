"""The demo clinic opens on a research project: most demo patients consented, one withdrew,
and no demo patient's name, MRN, phone or date of birth reaches the researcher's pages."""

from __future__ import annotations

import pytest
from django.middleware import csrf
from django.test import Client

from ketamine_care.accounts.models import Clinic, User
from ketamine_care.demo.data import load_demo
from ketamine_care.patients.models import Patient, ResearchConsent
from ketamine_care.patients.queries import research_consenting
from ketamine_care.research.models import ResearchProject


def _without_csrf_token(page) -> str:
    """The page as served, less its CSRF token: 64 random letters and digits, masked afresh
    for every page, which hold a two-letter family name such as "Xu" on about one page in 60
    (63 places, each 1 in 62 * 62). Every other character of the page is searched."""
    body = page.content.decode()
    token = str(page.context["csrf_token"])
    assert len(token) == 64 and token in body
    return body.replace(token, "")


@pytest.mark.django_db
def test_the_demo_researcher_sees_counts_and_no_identifier(monkeypatch):
    summary = load_demo()
    load_demo()  # idempotent
    clinic = Clinic.objects.get(name="Demo Clinic")
    patients = list(Patient.objects.filter(clinic=clinic))
    consenting = research_consenting(clinic).count()
    assert summary["research_consents_withdrawn"] == 1
    assert len(patients) * 3 // 4 <= consenting < len(patients)
    assert ResearchConsent.objects.filter(patient__clinic=clinic, status="withdrawn").count() == 1
    project = ResearchProject.objects.get(clinic=clinic)
    # Every page's CSRF token is made to start with the shortest family name, as a random one
    # now and then does: the check must tell the token from what the page shows.
    shortest = min((patient.family_name for patient in patients), key=len)
    monkeypatch.setattr(csrf, "_get_new_csrf_string", lambda: (shortest * 32)[:32])
    client = Client()
    client.force_login(User.objects.get(email="researcher@demo.clinic"))
    pages = [client.get("/"), client.get(f"/research/projects/{project.public_id}/")]
    assert pages[0].status_code == 302 and pages[0]["Location"] == "/research/"
    pages[0] = client.get("/research/")
    for page in pages:
        assert page.status_code == 200
        assert shortest in page.content.decode()  # inside the token only
        body = _without_csrf_token(page)
        assert project.name in body
        for patient in patients:
            for identifier in (patient.family_name, patient.mrn, patient.date_of_birth.isoformat()):
                assert identifier not in body, identifier
            assert not patient.phone or patient.phone not in body
    assert f'<span id="cohort-total">{consenting}</span>' in pages[1].content.decode()
