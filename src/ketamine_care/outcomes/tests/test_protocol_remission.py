"""The chart and API judge MADRS remission by the protocol of the patient's plan: <= 12 under
the esketamine protocols (ASPIRE/SUSTAIN), <= 10 under the IV protocols (ESCAPE-TRD)."""

from __future__ import annotations

from ketamine_care.demo.treatment import NO_CADSS
from ketamine_care.instruments.definition import load_definition
from ketamine_care.outcomes.queries import instrument_outcomes
from ketamine_care.outcomes.rules import load_thresholds
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import record
from ketamine_care.testing.treatment import activate_trd, treatable_plan


def madrs(total: int) -> list[int]:
    values, rest = [], total
    for item in load_definition("madrs").item_ids:
        value = 0 if item == "madrs_10" else min(6, rest)
        values.append(value)
        rest -= value
    return values


class ProtocolRemissionTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        director, prescriber = cls.medical_director, cls.prescriber
        esketamine = activate_protocol(
            clinic=cls.clinic,
            protocol_id="esketamine-trd-label",
            actor=director,
            clinic_values=NO_CADSS,
        )
        iv = activate_trd(clinic=cls.clinic, director=director)
        cls.esk_patient = make_patient(clinic=cls.clinic, actor=prescriber, mrn="ESK-1")
        cls.iv_patient = make_patient(clinic=cls.clinic, actor=prescriber, mrn="IV-1")
        treatable_plan(patient=cls.esk_patient, version=esketamine, prescriber=prescriber)
        treatable_plan(patient=cls.iv_patient, version=iv, prescriber=prescriber)
        for patient in (cls.esk_patient, cls.iv_patient, cls.patient):
            record(patient, prescriber, "madrs", madrs(30), days_ago=20, time_point="baseline")
            record(patient, prescriber, "madrs", madrs(12), days_ago=1)

    def summary(self, patient):
        outcomes = instrument_outcomes(patient, load_thresholds(), chart=False)
        return next(o for o in outcomes if o.definition.code == "madrs")

    def test_esketamine_plan_counts_madrs_12_as_remission(self):
        o = self.summary(self.esk_patient)
        self.assertIs(o.summary.remitter, True)
        self.assertIn("<= 12", o.remission_label)
        self.assertIn("[@fu-2020]", o.remission_source)

    def test_iv_plan_and_no_plan_keep_madrs_10(self):
        for patient in (self.iv_patient, self.patient):
            o = self.summary(patient)
            self.assertIs(o.summary.remitter, False)
            self.assertIn("<= 10", o.remission_label)

    def test_the_api_adds_loss_of_response_and_the_relapse_rule_keeping_its_keys(self):
        client = self.client_for(self.prescriber)
        rows = client.get(f"/api/v1/patients/{self.esk_patient.public_id}/outcomes").json()
        row = next(r for r in rows if r["instrument"] == "madrs")
        old_keys = {
            "instrument", "name", "administrations", "baseline", "latest", "latest_band",
            "latest_risk", "change", "percent_change", "responder", "remitter",
            "first_response_at", "time_to_first_response_days", "relapsed", "relapse_at",
            "response_rule", "remission_rule",
        }  # fmt: skip
        self.assertLessEqual(old_keys, set(row))
        self.assertEqual(row["loss_of_response"], False)
        self.assertIn("SUSTAIN-1", row["relapse_rule"]["label"])
        self.assertIs(row["remitter"], True)
        # relapsed false beside that rule says what it does not exclude.
        self.assertIn("Only the score arm is applied", row["relapse_rule"]["applied"])
        self.assertIsNone(row["response_rule"]["applied"])
