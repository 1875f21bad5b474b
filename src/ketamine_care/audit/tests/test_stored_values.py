"""A correct event always verifies: `record()` hashes the values as the database gives them
back, not as Python wrote them. PostgreSQL's inet prints an IPv4-mapped (and an
IPv4-compatible) IPv6 address in dotted form and Django stores the mapped one so on every
backend; jsonb keeps a number as numeric (1e20 comes back as 100000000000000000000, an int;
-0.0 as 0.0). Generated events with such addresses and JSON are written through `record()`
and checked by the verifier; an event altered afterwards is still reported."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from io import StringIO
from types import SimpleNamespace

from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.models import Clinic, User
from ketamine_care.audit.chain import GENESIS_HASH, event_hash, event_mac
from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.services import record
from ketamine_care.audit.tests.test_chain import TABLE, _disable_append_only_guard
from ketamine_care.audit.verify import verify_chain

TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=8)
FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1e-05, 1e20, -0.0, 0.0, 1.0, -1.5e300, 5e-324, 1.7976931348623157e308, 123456789.125]
)
NUMBERS = FLOATS | st.integers(-(2**80), 2**80)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
IPV4 = st.ip_addresses(v=4).map(str)
IPS = st.one_of(
    IPV4,
    st.ip_addresses(v=6).map(str),
    IPV4.map(lambda ip: f"::ffff:{ip}"),  # IPv4-mapped
    IPV4.map(lambda ip: f"::{ip}"),  # IPv4-compatible (deprecated)
    st.lists(st.integers(0, 0xFFFF) | st.just(0), min_size=8, max_size=8).map(
        lambda words: ":".join(f"{w:x}" for w in words)  # with zeros, not compressed
    ),
)


def _request(ip: str | None):
    return SimpleNamespace(request_id="r-1", META={"REMOTE_ADDR": ip or ""}, headers={})


class StoredValuesVerifyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clinic = Clinic.objects.create(name="Stored values")
        cls.user = User.objects.create_user("s@stored.test", "pw-stored-1", full_name="S")

    def _record(self, *, ip=None, changes=None) -> AuditEvent:
        with transaction.atomic():
            return record(
                event_type="test.stored",
                actor=self.user,
                clinic=self.clinic,
                changes=changes,
                request=_request(ip) if ip is not None else None,
            )

    @settings(max_examples=60, deadline=None)
    @given(ip=IPS, changes=st.dictionaries(TEXT, JSON, max_size=4))
    @example(ip="::ffff:198.51.100.2", changes={"v": 1e-05})
    @example(ip="::ffff:c633:6402", changes={"v": 1e20})
    @example(ip="2001:0db8:0000:0000:0000:0000:0000:0001", changes={"v": -0.0})
    @example(ip="::198.51.100.2", changes={"v": [1.0, 2**70, {"é": 1.5e300}]})
    @example(ip="::1:0", changes={"v": 5e-324})
    def test_a_correct_event_verifies(self, ip, changes):
        event = self._record(ip=ip, changes=changes)
        report = verify_chain(event.chain)
        self.assertTrue(report.ok, report.problem)
        row = AuditEvent.objects.values("client_ip", "changes").get(pk=event.pk)
        # What record() returns (and hashed) is what the database gives back.
        self.assertEqual(row["client_ip"], event.client_ip)
        self.assertEqual(_typed(row["changes"]), _typed(event.changes))

    def test_numbers_keep_their_value(self):
        changes = {"a": 1e-05, "b": 1e20, "c": -0.0, "d": 1.0, "e": 2**70, "f": 0.1}
        event = self._record(changes=changes)
        stored = AuditEvent.objects.get(pk=event.pk).changes
        self.assertEqual(stored, changes)  # equal numbers (1e20 == 10**20, -0.0 == 0.0)
        self.assertEqual(stored["b"], 10**20)
        self.assertIs(type(stored["f"]), float)
        self.assertTrue(verify_chain(event.chain).ok)

    def test_audit_verify_passes_the_reported_events(self):
        self._record(ip="::ffff:198.51.100.2", changes={"ratio": 1e-05})
        self._record(ip="::ffff:c633:6402", changes={"units": 1e20, "delta": -0.0, "dose": 1.0})
        out = StringIO()
        call_command("audit-verify", stdout=out)  # exits 1 (SystemExit) on any problem
        self.assertIn("OK", out.getvalue())

    def test_an_altered_event_is_still_reported(self):
        event = self._record(ip="::ffff:198.51.100.2", changes={"dose": 1e20, "x": -0.0})
        self._record(ip="2001:db8::1", changes={"dose": 0.5})
        _disable_append_only_guard()
        for column, value in (("client_ip", "198.51.100.3"), ("changes", '{"dose": 2e20}')):
            with self.subTest(column=column), transaction.atomic():
                sid = transaction.savepoint()
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, event.pk]
                    )
                report = verify_chain(event.chain)
                self.assertFalse(report.ok)
                self.assertEqual((report.problem.kind, report.problem.seq), ("altered", event.seq))
                transaction.savepoint_rollback(sid)
        self.assertTrue(verify_chain(event.chain).ok)


def test_the_canonical_form_is_unchanged():
    """Events already stored keep verifying: the fix changes what is stored, not the hash."""
    content = {
        "chain": "c", "seq": 1, "occurred_at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "actor_id": 1, "clinic_id": 2, "patient_id": None, "event_type": "t",
        "object_type": "", "object_id": "x", "changes": {"a": 0.5, "b": [1, "\u00e9"]},
        "request_id": "r", "client_ip": "::ffff:198.51.100.2", "prev_hash": GENESIS_HASH,
        "algorithm": "hmac-sha256:k",
    }  # fmt: skip
    legacy = "35abe91b87844b909fd183bc1bd2f1de13d908bbfe667f490d899e9b5cfc8d7b"
    keyed = "fe0e5714bdcd10461eb03a9bfa8777871ed6029f542c170862ab965cb4a81853"
    assert event_hash(content) == legacy
    assert event_mac(content, b"k" * 32) == keyed


def _typed(value):
    """A JSON value with each number's type and sign kept, for exact comparison."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, float):
        return ("float", value, math.copysign(1, value))
    return (type(value).__name__, value)
