"""The demo gives the therapist a caseload: prepared patients with a visit coming, patients
integrated after today's sessions (one note amended), a draft, and patients still waiting."""

from __future__ import annotations

import pytest

from ketamine_care.accounts.models import Clinic
from ketamine_care.demo.data import load_demo
from ketamine_care.testing.demo_snapshot import load_demo_once
from ketamine_care.therapy.models import TherapyAmendment, TherapySession
from ketamine_care.therapy.queries import caseload
from ketamine_care.therapy.windows import windows_for


@pytest.mark.django_db
def test_the_demo_therapist_has_a_caseload_and_integration_sessions():
    load_demo_once()
    load_demo()  # idempotent
    clinic = Clinic.objects.get(name="Demo Clinic")
    notes = TherapySession.objects.filter(clinic=clinic, therapist__email="therapist@demo.clinic")
    kinds = set(notes.values_list("kind", flat=True))
    assert kinds == {"preparation", "dosing_support", "integration"}
    assert notes.filter(kind="integration", signed_at__isnull=False).exists()
    assert notes.filter(signed_at__isnull=True).exists()  # a draft
    assert TherapyAmendment.objects.filter(therapy_session__clinic=clinic).count() == 1
    shown = caseload(clinic, windows_for(clinic))
    assert shown.coming and shown.integration
    assert any(row.last_preparation for row in shown.coming)
