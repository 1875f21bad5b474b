"""Which values of a protocol the clinic may edit, and drafts that change list items,
discharge criteria and the clinic-set values kept beside the definition."""

from __future__ import annotations

from ketamine_care.core.errors import ValidationFailed
from ketamine_care.protocols import services
from ketamine_care.protocols.editable_fields import describe_changes, editable_fields
from ketamine_care.protocols.library import load_definition
from ketamine_care.testing.base import ClinicTestCase

LATE_LIFE_VALUES = {
    "dose.sc.allowed_max": 0.5,
    "dose.sc.titration_ladder": [0.1, 0.2, 0.3],
    "schedule.blocks.frequency": 7,
    "monitoring.min_observation_min": 60,
    "monitoring.vitals_cadence.interval": 15,
    "monitoring.discharge.cadss_threshold": None,
}


def _paths(protocol_id: str) -> dict:
    shipped = load_definition(protocol_id).model_dump(mode="json")
    return {f.path: f for f in editable_fields(shipped, shipped)}


def test_editable_defaults_are_offered_and_sourced_values_are_not():
    fields = _paths("iv-ketamine-trd")
    # INSTITUTIONAL defaults: the SpO2 line, discharge MOAA/S, vitals near baseline.
    assert "monitoring.alert_thresholds.12.conditions.0.value" in fields
    assert "monitoring.discharge.moaas_required" in fields
    assert "monitoring.discharge.vitals_near_baseline.within_percent" in fields
    # A clinic-set value (clinic_must_set) is offered even where no node says editable.
    assert "monitoring.min_observation_min" in fields
    # Sourced, not editable: the label's hold line (alert 0) and a mg/kg rule's fixed doses.
    assert not any(p.startswith("monitoring.alert_thresholds.0.") for p in fields)
    assert "dose.iv.allowed_fixed_doses_mg" not in fields
    assert "dose.iv.max_single_dose_mg" not in fields


def test_each_field_carries_unit_range_source_and_shipped_value():
    field = _paths("iv-ketamine-trd")["dose.iv.default"]
    assert (field.unit, field.kind, field.minimum, field.maximum) == ("mg/kg", "number", 0.5, 1.0)
    assert field.range_text == "0.5 to 1"
    assert field.shipped == field.current == 0.5
    assert "[@" in field.source and field.evidence
    percent = _paths("iv-ketamine-trd")["monitoring.discharge.vitals_near_baseline.within_percent"]
    assert (percent.unit, percent.range_text) == ("%", "above 0 to 100")


def test_changes_read_in_words():
    fields = list(_paths("iv-ketamine-trd").values())
    (change,) = describe_changes(fields, {"monitoring.discharge.escort_required": False})
    assert change.text == "Discharge, escort required: yes → no"


class DraftEditsTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.active = services.activate_protocol(
            clinic=cls.clinic,
            protocol_id="sc-ketamine-late-life",
            actor=cls.medical_director,
            clinic_values=LATE_LIFE_VALUES,
        )

    def draft(self, edits: dict):
        return services.create_draft(
            from_version=self.active, edits=edits, actor=self.medical_director
        )

    def test_a_clinic_set_value_beside_the_definition_is_edited_in_the_drafts_values(self):
        draft = self.draft({"schedule.blocks.frequency": 4})
        self.assertEqual(draft.clinic_values["schedule.blocks.frequency"], 4)
        self.assertEqual(self.active.clinic_values["schedule.blocks.frequency"], 7)
        self.assertNotIn("frequency", draft.definition["schedule"]["blocks"][0])

    def test_list_items_and_discharge_criteria_are_edited_in_place(self):
        draft = self.draft(
            {
                "monitoring.alert_thresholds.12.conditions.0.value": 90,
                "monitoring.discharge.moaas_required": 4,
            }
        )
        rule = draft.definition["monitoring"]["alert_thresholds"][12]
        self.assertEqual(rule["conditions"][0]["value"], 90)
        self.assertEqual(draft.definition["monitoring"]["discharge"]["moaas_required"], 4)

    def test_refusals_name_every_field_and_nothing_is_saved(self):
        before = self.active.clinic_protocol.versions.count()
        with self.assertRaises(ValidationFailed) as caught:
            self.draft(
                {
                    "schedule.blocks.frequency": 0,
                    "monitoring.alert_thresholds.0.conditions.0.value": 200,
                    "monitoring.alert_thresholds.99.sustained_min": 5,
                }
            )
        self.assertEqual(
            set(caught.exception.fields),
            {
                "edits.schedule.blocks.frequency",
                "edits.monitoring.alert_thresholds.0.conditions.0.value",
                "edits.monitoring.alert_thresholds.99.sustained_min",
            },
        )
        self.assertEqual(self.active.clinic_protocol.versions.count(), before)
