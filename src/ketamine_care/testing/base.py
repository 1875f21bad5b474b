"""Personas for tests: one user per role in the clinic, and an outsider in another clinic."""

from __future__ import annotations

from django.db import connection
from django.test import Client, TestCase

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.builders import make_patient

PASSWORD = "correct horse battery staple"


def make_user(email: str, clinic: Clinic, role: str) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0].title())
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


def audit_statements() -> int:
    """The statements one audit record runs: lock a free chain head, insert the event,
    advance the head; on PostgreSQL the insert and the advance are one statement."""
    return 2 if connection.vendor == "postgresql" else 3


class ClinicTestCase(TestCase):
    """`self.prescriber`, `self.nurse`, ... (one per role) work in `self.clinic`;
    `self.outsider` is a prescriber in `self.other_clinic`; `self.patient` is in `self.clinic`."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.clinic = Clinic.objects.create(name="Test Clinic")
        cls.other_clinic = Clinic.objects.create(name="Elsewhere Clinic")
        cls.users = {
            role.value: make_user(f"{role.value}@test.clinic", cls.clinic, role.value)
            for role in Role
        }
        for role, user in cls.users.items():
            setattr(cls, role, user)
        cls.outsider = make_user("outsider@elsewhere.clinic", cls.other_clinic, Role.PRESCRIBER)
        cls.patient = make_patient(clinic=cls.clinic, actor=cls.users[Role.PRESCRIBER])
        cls.other_patient = make_patient(
            clinic=cls.other_clinic,
            actor=cls.outsider,
            mrn="OTHER-1",
            given_name="Olive",
            family_name="Other",
        )

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def membership(self, user: User) -> Membership:
        return Membership.objects.select_related("clinic", "user").get(user=user)
