"""The demo has outstanding measures in every state (issue 14, demo data)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from ketamine_care.accounts.models import Clinic
from ketamine_care.portal.models import MeasureRequest
from ketamine_care.portal.queries import outstanding
from ketamine_care.testing.demo_snapshot import load_demo_once


@pytest.mark.django_db
def test_the_demo_shows_scheduled_measures_in_each_state(capsys):
    # What `demo` loads (the command itself, end to end: tests/test_demo_and_health.py).
    load_demo_once()
    call_command("demo", "--no-serve")  # idempotent
    demo = Clinic.objects.get(name="Demo Clinic")
    now = timezone.now()
    states = sorted(row.state_at(now) for row in MeasureRequest.objects.filter(clinic=demo))
    assert states == ["completed", "due", "expired", "opened", "sent"]
    assert {row.state_at(now) for row in outstanding(demo)} == {"due", "expired", "opened", "sent"}
    held = MeasureRequest.objects.get(clinic=demo, kind="pre_visit", held="no_consent")
    assert held.session.state == "scheduled"
