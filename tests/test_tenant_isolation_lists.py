"""Every clinic-wide list and export shows the requesting clinic's rows and no other clinic's.

Two clinics hold the same kinds of data, each marked with its own word (in patient names,
MRNs, product names and lot numbers). A medical director of clinic A opens every list: A's
word must be on it (the list is not simply empty) and B's must not (its clinic filter holds).
Removing any list's clinic filter makes its test fail; the filter each test guards is named
beside it."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.models import Clinic, Membership, Role
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.demo.sessions import _esketamine_session
from ketamine_care.inventory.reconciliation import record_count
from ketamine_care.inventory.services import draw_stock
from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.protocols.services import activate_protocol, create_draft
from ketamine_care.research.services import create_project
from ketamine_care.testing.base import PASSWORD, make_user
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.inventory import (
    make_esketamine_devices,
    make_ketamine_vials,
    receive,
)
from ketamine_care.testing.jobs import run_worker
from ketamine_care.testing.measure_requests import make_measure_request
from ketamine_care.testing.measures import phq9, record
from ketamine_care.testing.staff import make_invitation
from ketamine_care.testing.therapy import integration_note
from ketamine_care.testing.treatment import treatable_plan
from ketamine_care.treatment_sessions.services import record_vitals
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    discharged_session,
    dosing_session,
    screened_session,
)

pytestmark = pytest.mark.django_db

OURS, THEIRS = "Aldebaran", "Zubeneschamali"
THEIR_PROTOCOL = "esketamine-mdsi-label"  # active in their clinic only


def populate(marker: str) -> dict:
    """A clinic with a patient on the floor (with an open session alert), an esketamine session
    whose REMS form is due, a planned course, an open safety alert, stock with a discrepancy,
    their audit events, two active protocols and an API token of the director and of the
    nurse."""
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

    floor = dosing_session(patient("Floor"), iv, nurse, prescriber, started_min_ago=30)
    severe = {"measured_at": timezone.now(), "bp_systolic_mmhg": 206, "bp_diastolic_mmhg": 100}
    record_vitals(session=floor, actor=nurse, readings=[severe])  # a session alert
    screened_session(patient("Waiting"), iv, prescriber)
    make_measure_request(session=discharged_session(patient("Sign"), iv, nurse, prescriber))
    devices = make_esketamine_devices(clinic=clinic, actor=director, name=f"{marker} device")
    device_lot = receive(devices, director, 6, "device", lot_number=f"{marker}-ESK")
    _esketamine_session(
        patient("Rems"), esketamine, nurse, prescriber, lot=device_lot, password=PASSWORD
    )
    plan = treatable_plan(patient=patient("Plan"), version=iv, prescriber=prescriber)
    record(patient("Alert"), nurse, "phq9", phq9(12, item9=2))
    therapist = make_user(f"tx@{slug}.test", clinic, Role.THERAPIST)
    integration_note(patient=patient("Therapy"), therapist=therapist, risk=True)  # risk alert
    product = make_ketamine_vials(clinic=clinic, actor=director, name=f"{marker} vial")
    lot = receive(product, director, 10, "vial", lot_number=f"{marker}-LOT")
    draw_stock(lot=lot, actor=nurse, quantity=Decimal(1), unit="ml")
    record_count(lot=lot, actor=director, counted_quantity=Decimal(1), unit="ml")
    first_visit = plan.visits.order_by("date").first().date
    create_project(clinic=clinic, actor=director, name=f"{marker} study")
    tokens = {
        user: issue_api_token(membership=Membership.objects.get(user=user), name=marker)[0]
        for user in (director, nurse)
    }
    # API rows name patients, versions and users by public id, pages by name: any of them
    # marks the clinic's rows (form options carry the public ids of versions and witnesses).
    ids = [p.public_id for p in patients] + [iv.public_id, esketamine.public_id]
    ids += [prescriber.public_id, nurse.public_id]
    return {
        "clinic": clinic,
        "director": director,
        "first_visit": first_visit,
        "marks": [marker, *(str(i) for i in ids)],
        "iv": iv,
        "tokens": tokens,
    }


def populate_theirs_only(theirs: dict) -> None:
    """What only the other clinic has: a protocol active there alone and a draft with a note."""
    director = theirs["director"]
    only_theirs = activate_protocol(
        clinic=theirs["clinic"],
        protocol_id=THEIR_PROTOCOL,
        actor=director,
        clinic_values={"monitoring.discharge.cadss_threshold": None},
    )
    theirs["marks"].append(str(only_theirs.public_id))
    draft = create_draft(
        from_version=theirs["iv"],
        edits={"monitoring.min_observation_min": 90},
        actor=director,
        note=f"{THEIRS} draft note",
    )
    theirs["marks"].append(str(draft.public_id))


@pytest.fixture(scope="module")
def clinics(django_db_setup, django_db_blocker):
    """Built once for the module (the clinics are read, never changed), then removed."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = {OURS: populate(OURS), THEIRS: populate(THEIRS)}
            populate_theirs_only(built[THEIRS])
            yield built
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


# balances_on filters twice (entries :134, then lots :147 via lots_for); either suffices, and
# removing both fails the four report tests.
_BALANCES = "inventory/queries.py:134 and :147 balances_on"

# Search filters by clinic in matching_patients, and again in each branch of a PostgreSQL page.
_SEARCH = "patients/search.py:91 matching_patients, :195 _branches (PostgreSQL)"

# (url, the filter the test guards). Each filter was removed once and the test failed.
LISTS = [
    ("/patients/", _SEARCH),
    ("/patients/?q=jamie", _SEARCH),
    ("/api/v1/patients", _SEARCH),
    ("/audit/", "audit/queries.py:26 events_for_clinic"),
    ("/sessions/", "treatment_sessions/queries.py:83 floor"),
    ("/sessions/check-in/", "treatment_sessions/queries.py:26 sessions_for"),
    ("/api/v1/treatment-sessions", "treatment_sessions/queries.py:26 sessions_for"),
    ("/sessions/rems/", "treatment_sessions/queries.py:168 rems_due"),
    ("/sessions/to-sign/", "treatment_sessions/queries.py:222 to_sign"),
    ("/plans/day/?date={visit}", "dosing/queries.py:19 day_visits"),
    ("/self-report/measures/", "portal/queries.py:22 outstanding"),
    # Questionnaire and session alerts (the floor patient's severe BP) from the alert feeds.
    (
        "/alerts/",
        "outcomes/alert_feed.py:30 and treatment_sessions/alert_feed.py:22 items; "
        "therapy/alert_feed.py items",
    ),
    ("/alerts/?status=all", "outcomes/alert_feed.py:30, treatment_sessions/alert_feed.py:22"),
    ("/api/v1/alerts", "outcomes/queries.py:244 alerts_for_clinic"),
    (
        "/inventory/",
        "inventory/queries.py:66 lots_for, :75 entries_for, :91 discrepancies_for; "
        "its forms' options :62 products_for, :54 witnesses_for",
    ),
    ("/inventory/report/?date={today}", _BALANCES),
    ("/inventory/report.csv?date={today}", _BALANCES),
    ("/api/v1/inventory/products", "inventory/queries.py:62 products_for"),
    ("/api/v1/inventory/lots", "inventory/queries.py:66 lots_for"),
    ("/api/v1/inventory/entries", "inventory/queries.py:75 entries_for"),
    ("/api/v1/inventory/discrepancies", "inventory/queries.py:91 discrepancies_for"),
    ("/api/v1/inventory/balances", _BALANCES),
    ("/api/v1/inventory/report?date={today}", _BALANCES),
    ("/api/v1/protocols", "protocols/queries.py:23 library"),
    ("/api/v1/protocols/iv-ketamine-trd", "protocols/queries.py:47 versions_of"),
    ("/protocols/iv-ketamine-trd/", "protocols/queries.py:47 versions_of"),
    ("/sessions/new/", "protocols/queries.py:67 active_versions"),
    ("/api/v1/auth/tokens", "accounts/api.py:84 list_tokens"),
    ("/therapy/", "therapy/queries.py _coming and _needs_integration (clinic filters)"),
    ("/research/", "research/queries.py projects_of"),
]


@pytest.mark.parametrize(("url", "guarded_filter"), LISTS, ids=[u for u, _ in LISTS])
def test_a_list_shows_this_clinics_rows_and_no_other_clinics(clinics, url, guarded_filter):
    body = visit(clinics, _dated(url, clinics))
    assert any(mark in body for mark in clinics[OURS]["marks"]), f"{url}: own rows missing"
    leaks = [mark for mark in clinics[THEIRS]["marks"] if mark in body]
    assert leaks == [], f"{url}: another clinic's rows leak ({guarded_filter})"


def test_the_rems_export_file_holds_this_clinics_forms_only(clinics):
    """The REMS CSV, asked for here and made by the worker, then downloaded
    (treatment_sessions/queries.py:151 rems_forms)."""
    client = Client()
    client.force_login(clinics[OURS]["director"])
    start, end = _dated("{start} {end}", clinics).split()
    asked = client.post("/sessions/rems/export/", {"start": start, "end": end})
    assert asked.status_code == 302
    run_worker()
    body = visit(clinics, asked["Location"] + "download/")
    assert any(mark in body for mark in clinics[OURS]["marks"]), "own rows missing"
    leaks = [mark for mark in clinics[THEIRS]["marks"] if mark in body]
    assert leaks == [], "another clinic's rows leak (rems_forms)"


def test_the_protocol_library_shows_this_clinics_protocols_only(clinics):
    """The library lists every shipped protocol; whether each is active here and its drafts are
    this clinic's (protocols/queries.py:23 library)."""
    body = visit(clinics, "/protocols/")
    rows = {
        protocol_id: row
        for row in body.split("<tr>")[1:]
        for protocol_id in ("iv-ketamine-trd", THEIR_PROTOCOL)
        if f"/protocols/{protocol_id}/" in row
    }
    assert 'data-status="active"' in rows["iv-ketamine-trd"]
    assert "draft" not in rows["iv-ketamine-trd"], "their draft counted here"
    assert 'data-status="inactive"' in rows[THEIR_PROTOCOL], "their protocol shown as active"


def test_the_token_list_shows_only_the_users_own_tokens(clinics):
    """A colleague's token and another clinic's are not listed (accounts/api.py:84)."""
    ours = clinics[OURS]
    listed = {row["id"] for row in json.loads(visit(clinics, "/api/v1/auth/tokens"))}
    assert listed == {str(ours["tokens"][ours["director"]].public_id)}


def test_the_administration_page_lists_this_clinics_people_and_invitations_only():
    """Staff and open invitations are the clinic's own (accounts/landing.py administration:
    `Membership ... filter(clinic=clinic)` and `Invitation ... filter(clinic=clinic)`)."""
    ours = Clinic.objects.create(name="Our Staff Clinic")
    theirs = Clinic.objects.create(name="Their Staff Clinic")
    admin = make_user(f"admin@{OURS.lower()}.staff", ours, Role.CLINIC_ADMIN)
    make_user(f"rn@{OURS.lower()}.staff", ours, Role.NURSE)
    their_admin = make_user(f"admin@{THEIRS.lower()}.staff", theirs, Role.CLINIC_ADMIN)
    make_user(f"rn@{THEIRS.lower()}.staff", theirs, Role.NURSE)
    make_invitation(clinic=ours, admin=admin, email=f"new@{OURS.lower()}.staff")
    make_invitation(clinic=theirs, admin=their_admin, email=f"new@{THEIRS.lower()}.staff")
    client = Client()
    client.force_login(admin)
    body = client.get("/accounts/administration/").content.decode()
    assert f"rn@{OURS.lower()}.staff" in body
    assert f"new@{OURS.lower()}.staff" in body
    assert THEIRS.lower() not in body


def test_the_failed_jobs_list_shows_this_clinics_and_system_jobs_only(clinics):
    """The clinic admin's failed jobs (jobs/queries.py visible_to): their own clinic's and
    the system's (no clinic), never another clinic's."""
    for marker, built in clinics.items():
        Job.objects.create(
            name="audit.anchor",
            clinic=built["clinic"],
            status=JobStatus.FAILED,
            attempts=1,
            max_attempts=1,
            last_error=f"{marker} failed",
        )
    Job.objects.create(
        name="audit.anchor", status=JobStatus.FAILED, max_attempts=1, last_error="system failed"
    )
    admin = make_user("admin@aldebaran.test", clinics[OURS]["clinic"], Role.CLINIC_ADMIN)
    client = Client()
    client.force_login(admin)
    body = client.get("/accounts/administration/jobs/").content.decode()
    assert f"{OURS} failed" in body and "system failed" in body
    assert THEIRS not in body, "another clinic's failed job leaks (jobs/queries.py visible_to)"
