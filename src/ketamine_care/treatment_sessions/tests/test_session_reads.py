"""The session reads every session request makes, compiled once per connection
(`access_session`'s query, and `locked()`'s under the row lock), build exactly the instances
the ORM builds: every field of the session, its patient, clinic, protocol version and clinic
protocol, the same deferred columns and annotations, the same 404s for another clinic's or
an unknown session (hypothesis; SQLite, and PostgreSQL with --postgres)."""

from __future__ import annotations

import uuid
from unittest import mock

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.transaction import TransactionManagementError
from django.http import Http404
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Role
from ketamine_care.core.compiled import compiled_statements
from ketamine_care.patients.models import Patient
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.treatment_sessions import access
from ketamine_care.treatment_sessions.models import TreatmentSession
from ketamine_care.treatment_sessions.services import lifecycle
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session

RELATED = ("patient", "clinic", "protocol_version", "protocol_version.clinic_protocol")


def _loaded(row) -> dict:
    """Every loaded field of `row` and of its loaded related rows, what is deferred, and the
    attributes the query set."""
    described = {}
    for path in ("", *RELATED):
        instance = row
        for name in filter(None, path.split(".")):
            field = type(instance)._meta.get_field(name)
            if not field.is_cached(instance):
                instance = None
                break
            instance = getattr(instance, name)
        if instance is None:
            described[path] = None
            continue
        deferred = instance.get_deferred_fields()
        described[path] = (
            type(instance),
            instance._state.db,
            instance._state.adding,
            sorted(deferred),
            {
                f.attname: getattr(instance, f.attname)
                for f in instance._meta.concrete_fields
                if f.attname not in deferred
            },
        )
    described["version_saved_at"] = row.__dict__.get("version_saved_at", "absent")
    return described


class SessionReadsTests(TestCase, ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        cls.session = dosing_session(cls.patient, version, cls.nurse, cls.prescriber)
        director = make_user("director@elsewhere.clinic", cls.other_clinic, Role.MEDICAL_DIRECTOR)
        other_version = activate(cls.other_clinic, director)
        cls.other_session = TreatmentSession.objects.create(
            clinic=cls.other_clinic,
            patient=cls.other_patient,
            protocol_version=other_version,
            scheduled_for=timezone.now(),
            created_by=director,
            ad_hoc_reason="Another clinic's session",
        )

    def read(self, membership, public_id, protocol_json: bool, compiled: bool):
        if not compiled:
            # The ORM's query, as `access_session` ran it before it was compiled.
            rows = TreatmentSession.objects.select_related(
                "patient", "protocol_version__clinic_protocol", "clinic"
            )
            if not protocol_json:
                rows = rows.defer(*access.PROTOCOL_JSON)
            try:
                return rows.get(clinic_id=membership.clinic_id, public_id=public_id)
            except (TreatmentSession.DoesNotExist, ValueError, TypeError):
                return "404"
        try:
            return access.access_session(membership, public_id, protocol_json=protocol_json)
        except Http404:
            return "404"

    @settings(max_examples=30, deadline=None)
    @given(
        whose=st.sampled_from(["own", "other", "unknown"]),
        outsider=st.booleans(),
        as_text=st.booleans(),
        protocol_json=st.booleans(),
        # What a text column can hold on both engines: PostgreSQL refuses NUL.
        notes=st.text(st.characters(blacklist_characters="\x00", codec="utf-8"), max_size=8),
        given_name=st.text(alphabet="abcé ", min_size=1, max_size=8),
    )
    def test_access_session_reads_what_the_orm_reads(
        self, whose, outsider, as_text, protocol_json, notes, given_name
    ):
        TreatmentSession.objects.filter(pk=self.session.pk).update(state_reason=notes)
        Patient.objects.filter(pk=self.patient.pk).update(given_name=given_name)
        membership = self.membership(self.outsider if outsider else self.nurse)
        public_id = {
            "own": self.session.public_id,
            "other": self.other_session.public_id,
            "unknown": uuid.uuid4(),
        }[whose]
        public_id = str(public_id) if as_text else public_id
        expected = self.read(membership, public_id, protocol_json, compiled=False)
        found = self.read(membership, public_id, protocol_json, compiled=True)
        if expected == "404":
            self.assertEqual(found, "404")
            return
        self.assertEqual(expected.pk, {True: self.other_session, False: self.session}[outsider].pk)
        self.assertEqual(_loaded(found), _loaded(expected))

    @settings(max_examples=20, deadline=None)
    @given(
        with_version=st.booleans(),
        other=st.booleans(),
        state=st.sampled_from(["in_monitoring", "discharged"]),
    )
    def test_the_locked_session_is_what_the_orm_reads(self, with_version, other, state):
        session = self.other_session if other else self.session
        TreatmentSession.objects.filter(pk=session.pk).update(state=state)
        with transaction.atomic():
            found = lifecycle._lock(session.pk, with_version=with_version)
            expected = lifecycle.session_locked(pk=session.pk, with_version=with_version).get()
        self.assertEqual(_loaded(found), _loaded(expected))
        self.assertEqual(found.state, state)

    def test_a_session_that_is_gone_is_the_orms_does_not_exist(self):
        with transaction.atomic(), self.assertRaises(TreatmentSession.DoesNotExist):
            lifecycle._lock(2_000_000_000, with_version=False)

    def test_the_lock_outside_a_transaction_is_refused_where_the_orm_refuses_it(self):
        connection = connections[DEFAULT_DB_ALIAS]
        with transaction.atomic():
            lifecycle._lock(self.session.pk, with_version=True)  # compiled now
        self.assertIn("session-locked:True", compiled_statements(DEFAULT_DB_ALIAS)["queries"])
        if not connection.features.has_select_for_update:
            return
        # The ORM refuses the lock when autocommit is on; so does the compiled query.
        with mock.patch.object(connection, "get_autocommit", return_value=True):
            with self.assertRaises(TransactionManagementError):
                lifecycle._lock(self.session.pk, with_version=True)
            with self.assertRaises(TransactionManagementError):
                lifecycle.session_locked(pk=self.session.pk, with_version=True).get()

    def test_a_session_of_another_clinic_is_404_for_every_capability(self):
        membership = self.membership(self.users[Role.NURSE])
        for protocol_json in (True, False):
            with self.subTest(protocol_json=protocol_json), self.assertRaises(Http404):
                access.access_session(
                    membership, self.other_session.public_id, protocol_json=protocol_json
                )
