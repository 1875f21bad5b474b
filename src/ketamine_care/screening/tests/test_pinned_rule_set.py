"""Screening under an active protocol version uses the rule set pinned at its activation: a
package upgrade that changes the rule-set file changes nothing for that version."""

from __future__ import annotations

from unittest import mock

from ketamine_care.accounts.models import Role
from ketamine_care.protocols.pinning import SCREENING
from ketamine_care.screening import rule_set as rule_sets
from ketamine_care.screening.services import screen_patient
from ketamine_care.screening.tests.factories import clean_facts
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.testing.treatment import activate_trd

_real_loader = rule_sets.load_rule_set


def upgraded_package(rule_set_id: str):
    """The same rule set re-released without any rule, under a new version."""
    return _real_loader(rule_set_id).model_copy(update={"version": "99.0-test", "rules": ()})


class PinnedRuleSetTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.other_director = make_user(
            "director@elsewhere.clinic", cls.other_clinic, Role.MEDICAL_DIRECTOR
        )

    def screen(self, patient=None, version=None, actor=None):
        return screen_patient(
            patient=patient or self.patient,
            protocol_version=version or self.version,
            facts=clean_facts("iv-ketamine-trd", pregnant=True),
            actor=actor or self.prescriber,
        )

    def test_the_verdict_names_the_pinned_rule_set(self):
        verdict = self.screen()
        pinned = self.version.pinned_rules[SCREENING]
        self.assertEqual(
            (verdict.rule_set_version, verdict.rule_set_digest),
            (pinned["version"], pinned["digest"]),
        )
        self.assertEqual(
            verdict.result["rule_set"],
            {"id": pinned["id"], "version": pinned["version"], "digest": pinned["digest"]},
        )

    def test_changing_the_packaged_rule_set_after_activation_does_not_change_the_verdict(self):
        before = self.screen()
        self.assertEqual(before.verdict, "requires_override")
        with mock.patch.object(rule_sets, "load_rule_set", upgraded_package):
            after = self.screen()
            # The patch is real: a version activated now takes the upgraded, empty rule set.
            fresh = activate_trd(clinic=self.other_clinic, director=self.other_director)
            upgraded = self.screen(self.other_patient, fresh, self.outsider)
        self.assertEqual(
            (after.verdict, after.rule_set_version, after.rule_set_digest, after.reasons),
            (before.verdict, before.rule_set_version, before.rule_set_digest, before.reasons),
        )
        self.assertEqual((upgraded.verdict, upgraded.rule_set_version), ("eligible", "99.0-test"))
        self.assertNotEqual(upgraded.rule_set_digest, before.rule_set_digest)
