"""Esketamine for MDD with acute suicidal ideation: 84 mg twice weekly for 4 weeks, which may
be reduced to 56 mg twice weekly for tolerability [@spravato-uspi §2]. Every visit plans 84 mg
with 56 or 84 to choose from, in the planner, the `plan` command, the app's plan and its page;
a clinic on the earlier shipped definition (84 mg only) is offered it as a newer version."""

from __future__ import annotations

import json
from datetime import date
from unittest import mock

from ketamine_care.dosing.planning import Recurrence, plan_course
from ketamine_care.patients import services as patients
from ketamine_care.protocols import services as protocols
from ketamine_care.protocols.library import load_definition, parse_definition
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import treatable_plan

from .label_cases import run_plan

MDSI_ID = "esketamine-mdsi-label"
MDSI = load_definition(MDSI_ID)
MONDAY = date(2026, 12, 7)
NO_CADSS = {"monitoring.discharge.cadss_threshold": None}


def doses(plan) -> set[tuple]:
    return {(v.dose["dose_mg"], tuple(v.dose["options"]), v.dose["devices"]) for v in plan.visits}


def test_every_visit_plans_84_mg_with_56_or_84_to_choose_from():
    plan = plan_course(MDSI, start=MONDAY)
    assert len(plan.visits) == 8 and doses(plan) == {(84, (56, 84), 3)}


def test_a_series_the_clinic_days_stretch_still_plans_84_mg_at_each_visit():
    plan = plan_course(MDSI, start=MONDAY, clinic_days=[3])  # Thursdays only
    assert len(plan.visits) == 4 and doses(plan) == {(84, (56, 84), 3)}
    assert plan.warnings[0].startswith("SCHEDULE NOT MET")


def test_the_planned_dose_covers_every_visit_the_block_can_hold():
    """Past the end of `dose_sequence` a block with options plans no single dose: the
    sequence must last the whole block, twice weekly for 4 weeks."""
    (block,) = MDSI.schedule.blocks
    assert (block.sessions_per_week, block.weeks, block.sessions) == (2, 4, None)
    assert block.dose_sequence == [84] * 8 and block.dose_options == [56, 84]
    assert set(block.dose_options) <= set(MDSI.dose_rule().allowed_fixed_doses_mg)


def earlier_mdsi():
    """The shipped definition before the tolerability option: 84 mg only."""
    data = MDSI.model_dump(mode="json")
    data["version"] = "1.1.1"
    block = data["schedule"]["blocks"][0]
    block["dose_sequence"], block["dose_options"] = [84], []
    return parse_definition(data)


class MdsiPlanTests(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )

    def activate(self):
        return protocols.activate_protocol(
            clinic=self.clinic, protocol_id=MDSI_ID, actor=self.medical_director,
            clinic_values=NO_CADSS,
        )  # fmt: skip

    def test_the_apps_plan_is_the_commands_and_its_page_says_84_mg(self):
        version = self.activate()
        plan = treatable_plan(patient=self.patient, version=version, prescriber=self.prescriber)
        status, out, _ = run_plan(
            ["--protocol", MDSI_ID, "--start", plan.start_date.isoformat(), "--json"]
        )
        command = json.loads(out)["visits"]
        app = [(v.date.isoformat(), v.dose) for v in plan.visits.all()]
        self.assertEqual((status, app), (0, [(v["date"], v["dose"]) for v in command]))
        self.assertEqual({(d["dose_mg"], tuple(d["options"])) for _, d in app}, {(84, (56, 84))})
        page = self.client_for(self.prescriber).get(
            f"/patients/{self.patient.public_id}/plans/{plan.public_id}/"
        )
        self.assertContains(page, "<td>84.0 mg intranasal</td>", count=8)

    def test_a_clinic_on_the_84_mg_only_definition_is_offered_the_newer_one(self):
        with mock.patch.object(protocols, "load_definition", return_value=earlier_mdsi()):
            active = self.activate()
        detail = f"/protocols/{MDSI_ID}/"
        page = self.client_for(self.medical_director).get(detail)
        self.assertContains(page, f"A newer shipped version of this protocol ({MDSI.version})")
        update = protocols.preview_update(from_version=active, actor=self.medical_director)
        self.assertEqual((update.base_version, update.shipped_version), ("1.1.1", MDSI.version))
        self.assertIn("schedule", update.other_sections)
        before = treatable_plan(patient=self.patient, version=active, prescriber=self.prescriber)
        self.assertEqual({tuple(v.dose["options"]) for v in before.visits.all()}, {()})
        draft = protocols.create_update_draft(
            from_version=active, keep=[], actor=self.medical_director
        )
        newer = protocols.publish_draft(version=draft, actor=self.medical_director)
        after = treatable_plan(patient=self.patient, version=newer, prescriber=self.prescriber)
        self.assertEqual(
            {(v.dose["dose_mg"], tuple(v.dose["options"])) for v in after.visits.all()},
            {(84, (56, 84))},
        )


def test_visits_a_clinic_adds_after_the_4_weeks_leave_the_dose_to_the_clinician():
    """Beyond 4 weeks is not studied [@spravato-uspi §2]: a clinic's own maintenance rhythm
    plans its visits as 56 or 84 mg, no single planned dose."""
    rhythm = Recurrence(every=2, unit="weeks")
    plan = plan_course(MDSI, start=MONDAY, horizon_weeks=10, maintenance=rhythm)
    induction = [v for v in plan.visits if v.phase == "induction"]
    later = [v for v in plan.visits if v.phase == "maintenance"]
    assert len(induction) == 8 and len(later) == 3
    assert {(v.dose["dose_mg"], tuple(v.dose["options"])) for v in induction} == {(84, (56, 84))}
    assert {(v.dose["dose_mg"], tuple(v.dose["options"])) for v in later} == {(None, (56, 84))}
