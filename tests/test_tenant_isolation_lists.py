"""Every clinic-wide list and export shows the requesting clinic's rows and no other clinic's.

Two clinics hold the same kinds of data, each marked with its own word (in patient names,
MRNs, product names and lot numbers). A medical director of clinic A opens every list: A's
word must be on it (the list is not simply empty) and B's must not (its clinic filter holds).
Removing any list's clinic filter makes its test fail; the filter each test guards is named
beside it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.models import Clinic, Role
from ketamine_care.demo.sessions import _esketamine_session
from ketamine_care.inventory.reconciliation import record_count
from ketamine_care.inventory.services import draw_stock
from ketamine_care.testing.base import make_user
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.inventory import make_ketamine_vials, receive
from ketamine_care.testing.measures import phq9, record
from ketamine_care.testing.treatment import treatable_plan
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    dosing_session,
    screened_session,
)

pytestmark = pytest.mark.django_db

OURS, THEIRS = "Aldebaran", "Zubeneschamali"


def populate(marker: str) -> dict:
    """A clinic with a patient on the floor, an esketamine session whose REMS form is due, a
    planned course, an open safety alert, stock with a discrepancy, and their audit events."""
    slug = marker.lower()
    clinic = Clinic.objects.create(name=f"Clinic {len(slug)}")
    director = make_user(f"md@{slug}.test", clinic, Role.MEDICAL_DIRECTOR)
    prescriber = make_user(f"rx@{slug}.test", clinic, Role.PRESCRIBER)
    nurse = make_user(f"rn@{slug}.test", clinic, Role.NURSE)
    iv = activate(clinic, director)
    esketamine = activate(clinic, director, "esketamine-trd-label")

    patients = []

    def patient(part: str):
        made = make_patient(
            clinic=clinic, actor=prescriber, mrn=f"{marker}-{part}", family_name=f"{marker}{part}"
        )
        patients.append(made)
        return made

    dosing_session(patient("Floor"), iv, nurse, prescriber, started_min_ago=30)
    screened_session(patient("Waiting"), iv, prescriber)
    _esketamine_session(patient("Rems"), esketamine, nurse, prescriber)
    plan = treatable_plan(patient=patient("Plan"), version=iv, prescriber=prescriber)
    record(patient("Alert"), nurse, "phq9", phq9(12, item9=2))
    product = make_ketamine_vials(clinic=clinic, actor=director, name=f"{marker} vial")
    lot = receive(product, director, 10, "vial", lot_number=f"{marker}-LOT")
    draw_stock(lot=lot, actor=nurse, quantity=1, unit="ml")
    record_count(lot=lot, actor=director, counted_quantity=1, unit="ml")
    first_visit = plan.visits.order_by("date").first().date
    # API rows name patients by public id, pages by name: either marks the clinic's rows.
    marks = [marker, *(str(p.public_id) for p in patients)]
    return {"director": director, "first_visit": first_visit, "marks": marks}


@pytest.fixture(scope="module")
def clinics(django_db_setup, django_db_blocker):
    """Built once for the module (the clinics are read, never changed), then removed."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield {OURS: populate(OURS), THEIRS: populate(THEIRS)}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def visit(clinics, url: str):
    client = Client()
    client.force_login(clinics[OURS]["director"])
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _dated(url: str, clinics) -> str:
    day = clinics[OURS]["first_visit"]
    today = timezone.localdate()
    return url.format(
        visit=day.isoformat(),
        start=(today - timedelta(days=7)).isoformat(),
        end=(today + timedelta(days=1)).isoformat(),
        today=today.isoformat(),
    )


# balances_on filters twice (entries :149, then lots :162 via lots_for); either suffices, and
# removing both fails the four report tests.
_BALANCES = "inventory/queries.py:149 and :162 balances_on"

# (url, the filter the test guards). Each filter was removed once and the test failed.
LISTS = [
    ("/patients/", "patients/queries.py:32 search_patients"),
    ("/patients/?q=jamie", "patients/queries.py:32 search_patients"),
    ("/api/v1/patients", "patients/queries.py:32 search_patients"),
    ("/audit/", "audit/queries.py:25 events_for_clinic"),
    ("/sessions/", "treatment_sessions/queries.py:95 floor"),
    ("/sessions/check-in/", "treatment_sessions/queries.py:29 sessions_for"),
    ("/api/v1/treatment-sessions", "treatment_sessions/queries.py:29 sessions_for"),
    ("/sessions/rems/", "treatment_sessions/queries.py:180 rems_due"),
    ("/sessions/rems/export.csv?start={start}&end={end}", "treatment_sessions/queries.py:163"),
    ("/plans/day/?date={visit}", "dosing/views.py:204 day_list"),
    ("/alerts/", "outcomes/queries.py:282 alerts_for_clinic"),
    ("/api/v1/alerts", "outcomes/queries.py:282 alerts_for_clinic"),
    ("/inventory/", "inventory/queries.py:81 lots_for, :90 entries_for, :106 discrepancies"),
    ("/inventory/report/?date={today}", _BALANCES),
    ("/inventory/report.csv?date={today}", _BALANCES),
    ("/api/v1/inventory/products", "inventory/queries.py:77 products_for"),
    ("/api/v1/inventory/lots", "inventory/queries.py:81 lots_for"),
    ("/api/v1/inventory/entries", "inventory/queries.py:90 entries_for"),
    ("/api/v1/inventory/discrepancies", "inventory/queries.py:106 discrepancies_for"),
    ("/api/v1/inventory/balances", _BALANCES),
    ("/api/v1/inventory/report?date={today}", _BALANCES),
]


@pytest.mark.parametrize(("url", "guarded_filter"), LISTS, ids=[u for u, _ in LISTS])
def test_a_list_shows_this_clinics_rows_and_no_other_clinics(clinics, url, guarded_filter):
    body = visit(clinics, _dated(url, clinics))
    assert any(mark in body for mark in clinics[OURS]["marks"]), f"{url}: own rows missing"
    leaks = [mark for mark in clinics[THEIRS]["marks"] if mark in body]
    assert leaks == [], f"{url}: another clinic's rows leak ({guarded_filter})"
