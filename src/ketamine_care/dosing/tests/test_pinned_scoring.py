"""A patient on a treatment plan is scored with the instrument definitions the plan's protocol
version pinned: a package upgrade that changes a definition does not change their scores."""

from __future__ import annotations

from ketamine_care.instruments.services import record_administration
from ketamine_care.protocols.pinning import INSTRUMENTS
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.definitions import (
    CHANGED_CODE,
    CHANGED_VERSION,
    changed_instrument_package,
    qids_answers,
)
from ketamine_care.testing.treatment import activate_trd, treatable_plan


def record_qids(patient, actor):
    return record_administration(
        patient=patient,
        instrument_code=CHANGED_CODE,
        answers=qids_answers(slowed=2, agitated=3),
        time_point="follow_up",
        actor=actor,
    )


class PinnedScoringTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.plan = treatable_plan(
            patient=cls.patient, version=cls.version, prescriber=cls.prescriber
        )
        cls.unplanned = make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn="NO-PLAN")

    def test_changing_the_packaged_instrument_does_not_change_the_score_under_the_version(self):
        pinned = self.version.pinned_rules[INSTRUMENTS][CHANGED_CODE]
        with changed_instrument_package():
            row = record_qids(self.patient, self.prescriber)
            unplanned = record_qids(self.unplanned, self.prescriber)
        self.assertEqual(row.total, 3)  # the pinned rules: one psychomotor domain
        self.assertEqual(
            (row.definition_version, row.definition_digest),
            (pinned["version"], pinned["digest"]),
        )
        # Without a plan the package's current definition applies: the patch is real.
        self.assertEqual((unplanned.total, unplanned.definition_version), (5, CHANGED_VERSION))

    def test_a_cancelled_plan_no_longer_pins_the_score(self):
        self.plan.status = "cancelled"
        self.plan.save(update_fields=["status"])
        with changed_instrument_package():
            row = record_qids(self.patient, self.prescriber)
        self.assertEqual((row.total, row.definition_version), (5, CHANGED_VERSION))
