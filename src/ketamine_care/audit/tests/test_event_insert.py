"""`record()` stores each event with one plain INSERT (`core.plain_insert`) instead of
`AuditEvent.objects.create` (on PostgreSQL in one statement with the head's advance, a
data-modifying WITH): for generated events (actor or none, clinic or global chain,
patient, JSON changes of every kind, IPv4, IPv6 or no address) the stored row is column for
column the row `create` stores from the same content, the returned event carries its key,
and the chain still verifies."""

from __future__ import annotations

from types import SimpleNamespace

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Clinic, User
from ketamine_care.audit.models import AuditChainHead, AuditEvent
from ketamine_care.audit.services import chain_key, record
from ketamine_care.audit.verify import verify_chain
from ketamine_care.testing.builders import make_patient

# Text as a database stores it (PostgreSQL refuses NUL in text and a lone surrogate in JSON,
# with create as without).
TEXT = st.text(st.characters(blacklist_characters="\x00", codec="utf-8"), max_size=8)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | TEXT | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
EVENTS = st.fixed_dictionaries(
    {
        "actor": st.booleans(),
        "clinic": st.booleans(),
        "patient": st.booleans(),
        "changes": st.none() | st.dictionaries(TEXT, JSON, max_size=4),
        "ip": st.sampled_from([None, "203.0.113.9", "2001:db8::1"]),
        "request_id": st.text(alphabet="abc-0123", max_size=12),
        "event_type": st.sampled_from(["patient.viewed", "patients.searched", "x" * 80]),
        "object_id": TEXT,
    }
)


def stored(pk: int) -> dict:
    row = AuditEvent.objects.filter(pk=pk).values().get()
    del row["id"], row["chain"]
    return row


class EventInsertTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="Insert")
        cls.user = User.objects.create_user("i@insert.test", "pw-insert-1", full_name="I")
        cls.patient = make_patient(clinic=cls.clinic, actor=cls.user, mrn="INS-1")

    @settings(max_examples=40, deadline=None)
    @given(event=EVENTS)
    def test_the_stored_row_is_the_row_create_stores(self, event):
        request = SimpleNamespace(request_id=event["request_id"], META={}, headers={})
        request.META["REMOTE_ADDR"] = event["ip"] or ""
        with transaction.atomic():
            saved = record(
                event_type=event["event_type"],
                actor=self.user if event["actor"] else None,
                clinic=self.clinic if event["clinic"] else None,
                patient=self.patient if event["patient"] and event["clinic"] else None,
                object_type="test.thing",
                object_id=event["object_id"],
                changes=event["changes"],
                request=request if event["ip"] is not None else None,
            )
        self.assertIsNotNone(saved.pk)
        self.assertFalse(saved._state.adding)
        self.assertEqual(saved._state.db, "default")
        content = {f.attname: getattr(saved, f.attname) for f in AuditEvent._meta.concrete_fields}
        del content["id"]
        reference = AuditEvent.objects.create(**{**content, "chain": "reference"})
        self.assertEqual(stored(saved.pk), stored(reference.pk))
        report = verify_chain(saved.chain)
        self.assertTrue(report.ok, report.problem)
        chain = chain_key(self.clinic if event["clinic"] else None)
        self.assertTrue(saved.chain == chain or saved.chain.startswith(f"{chain}/"))

    def test_the_head_advances_to_the_event_in_the_same_statement_on_postgresql(self):
        record(event_type="warm.up", clinic=self.clinic)  # the chain's head exists
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            saved = record(event_type="patient.viewed", actor=self.user, patient=self.patient)
        head = AuditChainHead.objects.get(chain=saved.chain)
        self.assertEqual((head.last_seq, head.last_hash), (saved.seq, saved.hash))
        self.assertEqual(AuditEvent.objects.get(pk=saved.pk).hash, saved.hash)
        statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
        # Lock a free head; then insert and advance it: one statement on PostgreSQL.
        self.assertEqual(len(statements), 2 if connection.vendor == "postgresql" else 3)
        self.assertTrue(verify_chain(saved.chain).ok)
