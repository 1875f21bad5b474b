"""Anchors outside the database catch what a consistent-looking chain hides: a tail cut with a
rewound head, and a wholesale re-hash (with or without the key)."""

import json
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from ketamine_care.audit.anchors import format_line
from ketamine_care.audit.chain import LEGACY_ALGORITHM, event_hash, event_mac
from ketamine_care.audit.keys import current_key
from ketamine_care.audit.models import AuditChainHead, AuditEvent
from ketamine_care.audit.services import chain_key, record
from ketamine_care.audit.tests.test_chain import TABLE, _disable_append_only_guard
from ketamine_care.audit.verify import _FIELDS, verify_chain
from ketamine_care.patients import services
from ketamine_care.testing.base import ClinicTestCase


def run(command: str, *args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(command, *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def cut_tail(chain: str, keep: int) -> None:
    """Delete every event after `keep` and rewind the head to match: the chain still links."""
    _disable_append_only_guard()
    kept_hash = AuditEvent.objects.get(chain=chain, seq=keep).hash
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE chain = %s AND seq > %s", [chain, keep])
        cursor.execute(
            "UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s WHERE chain = %s",
            [keep, kept_hash, chain],
        )


def rehash_chain(chain: str, *, secret: bytes | None, scrub_seq: int, from_seq: int = 1) -> None:
    """Rewrite event `scrub_seq`'s changes and recompute every hash from `from_seq` on, and
    the head: unkeyed SHA-256 when `secret` is None (an attacker without the key), else HMAC."""
    _disable_append_only_guard()
    rows = list(
        AuditEvent.objects.filter(chain=chain, seq__gte=from_seq).order_by("seq").values(*_FIELDS)
    )
    prev = rows[0]["prev_hash"]
    with connection.cursor() as cursor:
        for row in rows:
            if row["seq"] == scrub_seq:
                row["changes"] = {"note": "nothing happened"}
            row["prev_hash"] = prev
            if secret is None:
                row["algorithm"], row["hash"] = LEGACY_ALGORITHM, event_hash(row)
            else:
                row["hash"] = event_mac(row, secret)
            cursor.execute(
                f"UPDATE {TABLE} SET changes = %s, prev_hash = %s, hash = %s, algorithm = %s "
                "WHERE id = %s",
                [json.dumps(row["changes"]), prev, row["hash"], row["algorithm"], row["id"]],
            )
            prev = row["hash"]
        cursor.execute(
            "UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = %s", [prev, chain]
        )


class AnchorTestCase(ClinicTestCase):
    def setUp(self):
        directory = tempfile.mkdtemp(prefix="kc-anchors-")
        self.addCleanup(shutil.rmtree, directory, True)
        self.anchor_file = Path(directory) / "audit-anchors.jsonl"
        settings_override = override_settings(AUDIT_ANCHOR_FILE=self.anchor_file)
        settings_override.enable()
        self.addCleanup(settings_override.disable)
        self.chain = chain_key(self.clinic)
        self.other_chain = chain_key(self.other_clinic)
        for phone in ("1", "2", "3", "4"):
            services.update_demographics(patient=self.patient, actor=self.nurse, phone=phone)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.anchor_file.read_text().splitlines()]

    def our_line(self) -> int:
        """The number of the last anchor line for this clinic's chain."""
        return max(n for n, line in enumerate(self.lines(), 1) if line["chain"] == self.chain)

    def events(self) -> int:
        return AuditEvent.objects.filter(chain=self.chain).count()


class AnchoringTests(AnchorTestCase):
    def test_it_anchors_every_chain_head_and_prints_what_it_anchored(self):
        code, out = run("audit-anchor")
        self.assertEqual(code, 0, out)
        self.assertIn(f"anchored   Test Clinic: {self.events()} events", out)
        self.assertIn("anchored   Elsewhere Clinic", out)
        anchored = {line["chain"]: line for line in self.lines()}
        head = AuditChainHead.objects.get(chain=self.chain)
        self.assertEqual((anchored[self.chain]["seq"], anchored[self.chain]["hash"]),
                         (head.last_seq, head.last_hash))  # fmt: skip
        self.assertEqual(anchored[self.chain]["key_id"], current_key().key_id)
        self.assertIn(self.other_chain, anchored)

    def test_a_second_run_adds_nothing_until_a_head_moves(self):
        run("audit-anchor")
        before = self.lines()
        code, out = run("audit-anchor")
        self.assertEqual(code, 0)
        self.assertIn("unchanged  Test Clinic", out)
        self.assertIn("0 anchor(s) written", out)
        self.assertEqual(self.lines(), before)
        record(event_type="test.recorded", actor=self.nurse, clinic=self.clinic)
        code, out = run("audit-anchor")
        self.assertIn("anchored   Test Clinic", out)
        self.assertIn("unchanged  Elsewhere Clinic", out)
        self.assertEqual(len(self.lines()), len(before) + 1)
        self.assertEqual(self.lines()[-1]["seq"], self.events())

    def test_the_key_never_appears_in_the_file_or_the_database(self):
        run("audit-anchor")
        secret = current_key().secret.decode()
        self.assertNotIn(secret, self.anchor_file.read_text())
        algorithms = set(AuditEvent.objects.values_list("algorithm", flat=True))
        self.assertEqual(algorithms, {current_key().algorithm})
        self.assertNotIn(secret, repr(current_key()))

    def test_a_line_cut_short_by_a_crash_stays_bad_but_does_not_swallow_the_next(self):
        elsewhere = self.anchor_file.with_name("elsewhere.jsonl")
        elsewhere.write_text('{"v":1,"chain":"half a li')
        code, out = run("audit-anchor", "--file", str(elsewhere))
        self.assertEqual(code, 1)  # the cut line is reported
        self.assertIn(f"{elsewhere} line 1 (unknown chain): is not valid JSON", out)
        written = elsewhere.read_text().splitlines()[1:]
        self.assertTrue(written)
        self.assertTrue(all(json.loads(line)["v"] == 1 for line in written))
        self.assertFalse(self.anchor_file.exists())

    def test_it_refuses_to_anchor_a_chain_cut_since_its_last_anchor(self):
        run("audit-anchor")
        lines_before = len(self.lines())
        cut_tail(self.chain, keep=3)
        record(event_type="test.recorded", actor=self.nurse, clinic=self.clinic)
        code, out = run("audit-anchor")
        self.assertEqual(code, 1)
        self.assertIn("REFUSED    Test Clinic", out)
        self.assertIn("cut from its end", out)
        self.assertEqual(len(self.lines()), lines_before)


class AuditVerifyAnchorTests(AnchorTestCase):
    def test_an_anchored_untouched_trail_verifies_and_json_keeps_its_keys(self):
        run("audit-anchor")
        record(event_type="test.recorded", actor=self.nurse, clinic=self.clinic)
        code, out = run("audit-verify", "--json")
        self.assertEqual(code, 0, out)
        report = json.loads(out)
        self.assertTrue(report["ok"])
        ours = next(c for c in report["chains"] if c["chain"] == self.chain)
        self.assertEqual(
            set(ours), {"chain", "clinic", "events", "ok", "problem", "anchor"}
        )  # the existing keys and one more
        self.assertEqual(ours["events"], self.events())
        self.assertEqual(ours["anchor"]["seq"], self.events() - 1)
        self.assertEqual(report["anchors"]["problems"], [])
        self.assertEqual(report["anchors"]["file"], str(self.anchor_file))
        code, out = run("audit-verify")
        self.assertIn(f"OK      Test Clinic: {self.events()} events; anchored at event", out)

    def test_a_tail_cut_with_a_rewound_head_fails_naming_clinic_and_anchor(self):
        run("audit-anchor")
        anchored = self.events()
        cut_tail(self.chain, keep=3)
        # The defect: the cut chain links and matches its rewound head.
        self.assertTrue(verify_chain(self.chain).ok)
        code, out = run("audit-verify")
        self.assertEqual(code, 1)
        self.assertIn("BROKEN  Test Clinic: first problem at event 4 (truncated)", out)
        self.assertIn("the chain has 3 events but the anchor of", out)
        self.assertIn(f"(line {self.our_line()}) recorded {anchored}", out)
        code, out = run("audit-verify", "--json")
        broken = [c for c in json.loads(out)["chains"] if not c["ok"]]
        self.assertEqual([c["clinic"] for c in broken], ["Test Clinic"])
        problem = broken[0]["problem"]
        self.assertEqual((problem["kind"], problem["anchor"]["seq"]), ("truncated", anchored))

    def test_the_highest_anchor_is_named_when_a_cut_goes_below_several(self):
        run("audit-anchor")
        record(event_type="test.recorded", actor=self.nurse, clinic=self.clinic)
        run("audit-anchor")
        newest = self.events()
        cut_tail(self.chain, keep=2)
        code, out = run("audit-verify")
        self.assertEqual(code, 1)
        self.assertIn("the chain has 2 events but the anchor of", out)
        self.assertIn(f"recorded {newest}: events were cut from its end", out)

    def test_a_chain_deleted_with_its_head_fails(self):
        run("audit-anchor")
        _disable_append_only_guard()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE chain = %s", [self.chain])
            cursor.execute("DELETE FROM audit_auditchainhead WHERE chain = %s", [self.chain])
        code, out = run("audit-verify")
        self.assertEqual(code, 1)
        self.assertIn("BROKEN  Test Clinic: first problem at event 1 (truncated)", out)
        code, out = run("audit-anchor")
        self.assertEqual(code, 1)
        self.assertIn("REFUSED    Test Clinic", out)
        self.assertIn("the database has no head for it", out)

    def test_a_wholesale_rehash_without_the_key_fails(self):
        run("audit-anchor")
        rehash_chain(self.chain, secret=None, scrub_seq=2)
        # The defect: re-hashed from scratch, the chain links and matches its head.
        self.assertTrue(verify_chain(self.chain).ok)
        code, out = run("audit-verify", "--json")
        self.assertEqual(code, 1)
        problem = next(c for c in json.loads(out)["chains"] if not c["ok"])["problem"]
        self.assertEqual(problem["kind"], "rehashed")
        self.assertEqual(problem["seq"], self.events())
        self.assertIn("differs from", problem["detail"])
        self.assertEqual(problem["anchor"]["line"], self.our_line())

    def test_a_wholesale_rehash_with_the_key_disagrees_with_the_anchors(self):
        run("audit-anchor")
        rehash_chain(self.chain, secret=current_key().secret, scrub_seq=2)
        self.assertTrue(verify_chain(self.chain).ok)  # the key alone makes it consistent
        code, out = run("audit-verify")
        self.assertEqual(code, 1)
        self.assertIn(
            f"BROKEN  Test Clinic: first problem at event {self.events()} (rehashed)", out
        )

    def test_rehashing_part_of_a_keyed_chain_without_the_key_fails_even_unanchored(self):
        rehash_chain(self.chain, secret=None, scrub_seq=4, from_seq=3)
        problem = verify_chain(self.chain).problem
        self.assertEqual((problem.kind, problem.seq), ("rehashed", 3))

    def test_a_forged_anchor_line_fails_and_is_not_trusted(self):
        run("audit-anchor")
        ours = next(line for line in self.lines() if line["chain"] == self.chain)
        forged = ours | {"seq": 999}  # claims events that never existed
        first_bad = len(self.lines()) + 1
        with self.anchor_file.open("a") as handle:
            handle.write(json.dumps(forged) + "\n")
            handle.write("not json\n")
        code, out = run("audit-verify", "--json")
        self.assertEqual(code, 1)
        report = json.loads(out)
        self.assertTrue(all(c["ok"] for c in report["chains"]))  # 999 was not believed
        problems = report["anchors"]["problems"]
        self.assertEqual([p["line"] for p in problems], [first_bad, first_bad + 1])
        self.assertIn("signature that does not match", problems[0]["detail"])
        self.assertEqual(problems[0]["clinic"], "Test Clinic")
        code, out = run("audit-verify")
        self.assertIn(f"line {first_bad} (Test Clinic): has a signature that does not match", out)
        self.assertIn(f"line {first_bad + 1} (unknown chain): is not valid JSON", out)

    def test_an_anchor_signed_with_another_key_is_forged(self):
        run("audit-anchor")
        with override_settings(AUDIT_HMAC_KEY="an-attacker-s-own-key-" + "z" * 20):
            line = format_line(
                chain=self.chain, seq=999, hash="0" * 64, anchored_at="x", key=current_key()
            )
        with self.anchor_file.open("a") as handle:
            handle.write(line)
        code, out = run("audit-verify")
        self.assertEqual(code, 1)
        self.assertIn("unknown key id", out)
        self.assertIn("OK      Test Clinic", out)


class AnchorFileErrorTests(AnchorTestCase):
    def test_an_unusable_anchor_file_is_a_clear_error_with_exit_2(self):
        self.anchor_file.mkdir()  # a directory where the file should be
        for command, words in (("audit-anchor", "cannot write"), ("audit-verify", "cannot read")):
            with self.subTest(command=command):
                with self.assertRaises(CommandError) as caught:
                    call_command(command, stdout=StringIO())
                self.assertEqual(caught.exception.returncode, 2)
                self.assertIn(f"{words} the anchor file", str(caught.exception))
                self.assertIn(str(self.anchor_file), str(caught.exception))
