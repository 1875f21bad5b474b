import json
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from ketamine_care.audit.models import AuditChainHead, AuditEvent
from ketamine_care.audit.services import chain_key, record
from ketamine_care.audit.verify import verify_all, verify_chain
from ketamine_care.patients import services
from ketamine_care.testing.base import ClinicTestCase

TABLE = "audit_auditevent"


def _disable_append_only_guard():
    """What an attacker with database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Flush deferred foreign-key checks first: ALTER TABLE refuses pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")


class AuditChainTests(ClinicTestCase):
    def setUp(self):
        for phone in ("1", "2", "3"):
            services.update_demographics(patient=self.patient, actor=self.nurse, phone=phone)
        self.chain = chain_key(self.clinic)
        self.events = list(AuditEvent.objects.filter(chain=self.chain).order_by("seq"))

    def test_an_untouched_chain_verifies(self):
        report = verify_chain(self.chain)
        self.assertTrue(report.ok, report.problem)
        self.assertEqual(report.events, len(self.events))
        self.assertEqual([e.seq for e in self.events], list(range(1, len(self.events) + 1)))

    def test_each_clinic_has_its_own_chain(self):
        other = AuditEvent.objects.filter(chain=chain_key(self.other_clinic)).order_by("seq")
        self.assertEqual(other.first().seq, 1)
        self.assertTrue(all(r.ok for r in verify_all()))

    def test_the_database_refuses_update_and_delete(self):
        for statement in (f"UPDATE {TABLE} SET event_type = 'x'", f"DELETE FROM {TABLE}"):
            with self.subTest(statement=statement):
                with self.assertRaises(DatabaseError), transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute(statement)
        self.assertEqual(AuditEvent.objects.filter(chain=self.chain).count(), len(self.events))

    def test_it_finds_an_altered_event(self):
        _disable_append_only_guard()
        target = self.events[2]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET event_type = %s WHERE id = %s",
                ["patient.nothing_happened", target.id],
            )
        problem = verify_chain(self.chain).problem
        self.assertEqual((problem.kind, problem.seq), ("altered", target.seq))

    def test_it_finds_altered_changes_json(self):
        _disable_append_only_guard()
        target = self.events[-1]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET changes = %s WHERE id = %s",
                [json.dumps({"old": {}, "new": {"phone": "hidden"}}), target.id],
            )
        problem = verify_chain(self.chain).problem
        self.assertEqual((problem.kind, problem.seq), ("altered", target.seq))

    def test_it_finds_a_deleted_event_in_the_middle(self):
        _disable_append_only_guard()
        target = self.events[1]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [target.id])
        problem = verify_chain(self.chain).problem
        self.assertEqual((problem.kind, problem.seq), ("deleted", target.seq))

    def test_it_finds_deleted_events_at_the_end(self):
        _disable_append_only_guard()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [self.events[-1].id])
        problem = verify_chain(self.chain).problem
        self.assertEqual((problem.kind, problem.seq), ("deleted", self.events[-1].seq))

    def test_it_finds_an_inserted_event(self):
        _disable_append_only_guard()
        # Shift the later events up by one and slip a forged event into the gap.
        victim = self.events[2]
        with connection.cursor() as cursor:
            for event in reversed(self.events[2:]):
                cursor.execute(f"UPDATE {TABLE} SET seq = seq + 1 WHERE id = %s", [event.id])
            cursor.execute(
                f"INSERT INTO {TABLE} (chain, seq, occurred_at, event_type, object_type, "
                "object_id, changes, request_id, prev_hash, hash, algorithm) "
                "VALUES (%s, %s, %s, 'patient.viewed', '', '', '{}', '', %s, %s, %s)",
                [
                    self.chain,
                    victim.seq,
                    victim.occurred_at,
                    self.events[1].hash,
                    "f" * 64,
                    victim.algorithm,
                ],
            )
        problem = verify_chain(self.chain).problem
        self.assertEqual(problem.seq, victim.seq)
        self.assertIn(problem.kind, ("altered", "inserted"))

    def test_audit_verify_command_reports_the_first_broken_event_and_exits_1(self):
        out = StringIO()
        call_command("audit-verify", stdout=out)
        self.assertIn("OK", out.getvalue())
        _disable_append_only_guard()
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET actor_id = NULL WHERE id = %s", [self.events[0].id])
        out = StringIO()
        with self.assertRaises(SystemExit) as caught:
            call_command("audit-verify", "--json", stdout=out)
        self.assertEqual(caught.exception.code, 1)
        report = json.loads(out.getvalue())
        broken = [c for c in report["chains"] if not c["ok"]]
        self.assertEqual(broken[0]["problem"]["seq"], 1)
        self.assertEqual(broken[0]["clinic"], "Test Clinic")

    def test_record_links_each_event_to_its_predecessor(self):
        event = record(event_type="test.recorded", actor=self.nurse, clinic=self.clinic)
        self.assertEqual(event.prev_hash, self.events[-1].hash)
        self.assertEqual(event.seq, self.events[-1].seq + 1)


class VerifyWhileWritingTests(ClinicTestCase):
    """`audit-verify` may run while staff keep working: new events are not tampering."""

    def setUp(self):
        for phone in ("1", "2", "3"):
            services.update_demographics(patient=self.patient, actor=self.nurse, phone=phone)
        self.chain = chain_key(self.clinic)
        self.head = AuditChainHead.objects.filter(chain=self.chain).values("last_seq", "last_hash")
        self.events = list(AuditEvent.objects.filter(chain=self.chain).order_by("seq"))

    def test_events_committed_during_the_walk_verify(self):
        earlier = self.events[-3]
        before = {"last_seq": earlier.seq, "last_hash": earlier.hash}
        with mock.patch("ketamine_care.audit.verify._head", side_effect=[before, self.head[0]]):
            report = verify_chain(self.chain)
        self.assertTrue(report.ok, report.problem)

    def test_events_committed_after_the_walk_verify(self):
        after = {"last_seq": self.events[-1].seq + 2, "last_hash": "f" * 64}
        with mock.patch("ketamine_care.audit.verify._head", side_effect=[self.head[0], after]):
            report = verify_chain(self.chain)
        self.assertTrue(report.ok, report.problem)

    def test_a_head_behind_its_events_is_reported(self):
        earlier = self.events[-2]
        AuditChainHead.objects.filter(chain=self.chain).update(
            last_seq=earlier.seq, last_hash=earlier.hash
        )
        problem = verify_chain(self.chain).problem
        self.assertEqual(problem.kind, "deleted")
        self.assertIn(f"its head records event {earlier.seq}", problem.detail)

    def test_a_head_with_another_hash_is_reported(self):
        AuditChainHead.objects.filter(chain=self.chain).update(last_hash="e" * 64)
        problem = verify_chain(self.chain).problem
        self.assertIn("with another hash", problem.detail)
