"""The chain's key: where it comes from, how old unkeyed events verify, and rotation."""

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from ketamine_care.accounts.models import Clinic
from ketamine_care.audit.chain import GENESIS_HASH, LEGACY_ALGORITHM, event_hash, key_id
from ketamine_care.audit.keys import current_key, keyring
from ketamine_care.audit.models import AuditChainHead, AuditEvent
from ketamine_care.audit.services import anchor_chains, chain_key, record
from ketamine_care.audit.tests.test_anchors import AnchorTestCase, run
from ketamine_care.audit.verify import verify_chain
from ketamine_care.config.env import env_secrets
from ketamine_care.testing.subprocesses import SUBPROCESS_TIMEOUT_S

KEY_A = "first-audit-key-" + "a" * 32
KEY_B = "second-audit-key-" + "b" * 32


def append_unkeyed(clinic: Clinic, count: int) -> str:
    """Events as the platform wrote them before the chain was keyed (plain SHA-256)."""
    chain = chain_key(clinic)
    head, _ = AuditChainHead.objects.get_or_create(
        chain=chain, defaults={"last_hash": GENESIS_HASH}
    )
    for _ in range(count):
        content = {
            "chain": chain,
            "seq": head.last_seq + 1,
            "occurred_at": datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
            "clinic_id": clinic.pk,
            "event_type": "patient.viewed",
            "object_type": "",
            "object_id": "",
            "request_id": "",
            "changes": {},
            "prev_hash": head.last_hash,
        }
        event = AuditEvent.objects.create(
            **content, hash=event_hash(content), algorithm=LEGACY_ALGORITHM
        )
        head.last_seq, head.last_hash = event.seq, event.hash
        head.save()
    return chain


class KeyedChainTests(AnchorTestCase):
    def test_events_from_before_keying_verify_and_the_chain_goes_on_keyed(self):
        clinic = Clinic.objects.create(name="Older Clinic")
        chain = append_unkeyed(clinic, 3)
        record(event_type="test.recorded", actor=self.nurse, clinic=clinic)
        algorithms = list(
            AuditEvent.objects.filter(chain=chain)
            .order_by("seq")
            .values_list("algorithm", flat=True)
        )
        self.assertEqual(algorithms, ["sha256"] * 3 + [current_key().algorithm])
        report = verify_chain(chain)
        self.assertTrue(report.ok, report.problem)
        self.assertEqual(report.events, 4)

    def test_the_key_id_names_the_key_without_revealing_it(self):
        key = current_key()
        self.assertRegex(key.key_id, r"^[0-9a-f]{16}$")
        self.assertEqual(key.algorithm, f"hmac-sha256:{key.key_id}")
        self.assertNotEqual(key_id(KEY_A.encode()), key_id(KEY_B.encode()))
        self.assertNotIn(key.secret.decode()[:16], key.key_id)

    def test_after_rotation_old_events_and_anchors_verify_with_the_retired_key(self):
        old_key = settings.AUDIT_HMAC_KEY
        self.assertTrue(anchor_chains().ok)
        with override_settings(AUDIT_HMAC_KEY=KEY_B, AUDIT_HMAC_OLD_KEYS=[old_key]):
            self.assertEqual(set(keyring()), {key_id(old_key.encode()), key_id(KEY_B.encode())})
            record(event_type="test.after_rotation", actor=self.nurse, clinic=self.clinic)
            code, out = run("audit-anchor")
            self.assertEqual(code, 0, out)
            code, out = run("audit-verify")
            self.assertEqual(code, 0, out)
        self.assertEqual(self.lines()[-1]["key_id"], key_id(KEY_B.encode()))
        used = set(AuditEvent.objects.filter(chain=self.chain).values_list("algorithm", flat=True))
        self.assertEqual(used, {f"hmac-sha256:{key_id(k.encode())}" for k in (old_key, KEY_B)})

    def test_without_the_retired_key_its_events_and_anchors_cannot_be_verified(self):
        self.assertTrue(anchor_chains().ok)
        with override_settings(AUDIT_HMAC_KEY=KEY_B, AUDIT_HMAC_OLD_KEYS=[]):
            code, out = run("audit-verify")
        self.assertEqual(code, 1)
        self.assertIn("BROKEN  Test Clinic: first problem at event 1 (unverifiable)", out)
        self.assertIn("list retired keys in AUDIT_HMAC_OLD_KEYS", out)
        self.assertIn("is signed with unknown key id", out)


def check_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    inherited = ("DEBUG", "DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    base = {
        k: v for k, v in os.environ.items() if not k.startswith("AUDIT_HMAC") and k not in inherited
    }
    base |= {"DEBUG": "False", "SECRET_KEY": "s" * 60, "DATABASE_URL": "sqlite:///:memory:"}
    return subprocess.run(
        [sys.executable, "-m", "ketamine_care", "check"],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )


class KeyConfigurationTests(SimpleTestCase):
    def test_outside_debug_a_missing_key_is_a_one_line_configuration_error(self):
        result = check_with({})
        self.assertEqual(result.returncode, 2)
        self.assertEqual(
            result.stderr.strip(),
            "ketamine-care: configuration error: "
            "AUDIT_HMAC_KEY (or AUDIT_HMAC_KEY_FILE) is required when DEBUG is False",
        )

    def test_the_key_can_come_from_a_file_and_must_be_long_enough(self):
        directory = self.enterContext(tempfile.TemporaryDirectory())
        key_file = os.path.join(directory, "audit.key")
        with open(key_file, "w") as handle:
            handle.write(KEY_A + "\n")
        result = check_with({"AUDIT_HMAC_KEY_FILE": key_file})
        self.assertEqual(result.returncode, 0, result.stderr)
        result = check_with({"AUDIT_HMAC_KEY": "short"})
        self.assertEqual(result.returncode, 2)
        self.assertIn("AUDIT_HMAC_KEY must be at least 32 characters", result.stderr)

    def test_debug_runs_get_a_development_key(self):
        result = check_with({"DEBUG": "True"})
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_retired_keys_are_a_comma_or_line_separated_list(self):
        self.addCleanup(os.environ.pop, "KC_TEST_OLD_KEYS", None)
        os.environ["KC_TEST_OLD_KEYS"] = f"{KEY_A}, {KEY_B}\n"
        self.assertEqual(env_secrets("KC_TEST_OLD_KEYS"), [KEY_A, KEY_B])
        os.environ["KC_TEST_OLD_KEYS"] = f"{KEY_A}\n{KEY_B}"
        self.assertEqual(env_secrets("KC_TEST_OLD_KEYS"), [KEY_A, KEY_B])
        self.assertEqual(env_secrets("KC_TEST_UNSET_KEYS"), [])
