"""A busy clinic for concurrency tests and benchmarks: staff with API tokens, sessions in
monitoring that every client writes to at once, scheduled sessions that each client walks
through to the dose (with a ledger draw), and well-stocked lots. Numbers are test data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.core.clock import clinic_today
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.inventory import make_ketamine_vials, receive
from ketamine_care.testing.treatment import treatable_plan
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    dosing_session,
    screened_session,
)

PASSWORD = "ward-test-password"


@dataclass(frozen=True)
class Ward:
    """Public ids only, so that clients in other threads or processes can use it."""

    clinic: str
    tokens: tuple[str, ...]  # one per nurse
    prescriber_email: str
    patients: tuple[str, ...]  # patients of the monitoring sessions
    monitoring: tuple[str, ...]  # sessions in monitoring, shared by every client
    walks: tuple[tuple[str, ...], ...]  # scheduled sessions, per client
    lots: tuple[str, ...]


def _staff(clinic: Clinic, email: str, role: str) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0].title())
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


def seed_ward(
    *,
    clients: int,
    nurses: int = 8,
    monitoring: int = 4,
    walks_per_client: int = 1,
    name: str = "Concurrency Clinic",
) -> Ward:
    slug = name.lower().replace(" ", "-")
    clinic = Clinic.objects.create(name=name)
    director = _staff(clinic, f"md@{slug}.test", Role.MEDICAL_DIRECTOR)
    prescriber = _staff(clinic, f"rx@{slug}.test", Role.PRESCRIBER)
    staff = [_staff(clinic, f"rn{i}@{slug}.test", Role.NURSE) for i in range(nurses)]
    version = activate(clinic, director)
    hot = []
    for number in range(monitoring):
        patient = make_patient(clinic=clinic, actor=prescriber, family_name=f"Chair{number:02d}")
        # A course (treatment plan), so every write to the session changes the patient's
        # outcomes registry summary too.
        treatable_plan(
            patient=patient, version=version, prescriber=prescriber, start=clinic_today(clinic)
        )
        session = dosing_session(
            patient, version, staff[0], prescriber, started_min_ago=30, password=PASSWORD
        )
        # An open alert on each shared session, so acknowledgements have work from the start.
        services.record_vitals(
            session=session,
            actor=staff[0],
            readings=[{"measured_at": timezone.now(), "spo2_percent": 85}],
        )
        hot.append(session)
    walks = []
    for client in range(clients):
        own = []
        for number in range(walks_per_client):
            patient = make_patient(
                clinic=clinic, actor=prescriber, family_name=f"Walk{client:02d}x{number}"
            )
            own.append(str(screened_session(patient, version, prescriber).public_id))
        walks.append(tuple(own))
    product = make_ketamine_vials(clinic=clinic, actor=director)
    lots = [_stock_lot(product, director, f"WARD-{n}") for n in range(2)]
    tokens = []
    for nurse in staff:
        membership = Membership.objects.select_related("clinic", "user").get(user=nurse)
        tokens.append(issue_api_token(membership=membership)[1])
    return Ward(
        clinic=str(clinic.public_id),
        tokens=tuple(tokens),
        prescriber_email=prescriber.email,
        patients=tuple(str(s.patient.public_id) for s in hot),
        monitoring=tuple(str(s.public_id) for s in hot),
        walks=tuple(walks),
        lots=tuple(str(lot) for lot in lots),
    )


def _stock_lot(product, actor, lot_number: str, deliveries: int = 10):
    """A lot of 10,000 vials (enough for any run), received as deliveries of 1,000 vials: the
    most one ledger entry may move."""
    for _ in range(deliveries):
        lot = receive(product, actor, Decimal(1000), "vial", lot_number=lot_number)
    return lot.public_id
