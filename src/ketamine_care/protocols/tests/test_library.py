"""The shipped protocol library loads, validates and carries the sourced defaults."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ketamine_care.core.bibliography import citations, unknown_ids
from ketamine_care.protocols.definition import ProtocolDefinition
from ketamine_care.protocols.library import (
    UnknownProtocol,
    check_shipped,
    list_protocol_ids,
    load_definition,
    parse_definition,
)

FIXED_IDS = {
    "iv-ketamine-trd",
    "esketamine-trd-label",
    "esketamine-mdsi-label",
    "iv-ketamine-bipolar-depression",
    "iv-ketamine-ptsd",
    "iv-ketamine-ocd",
    "iv-ketamine-aud",
    "sc-ketamine-anxiety",
    "iv-ketamine-suicidal-ideation",
    "sc-ketamine-late-life",
    "iv-ketamine-adolescent-research",
    "eating-disorders-research",
    "ed-procedural-sedation",
    "ed-severe-agitation",
    "pediatric-procedural-sedation",
}


def test_it_ships_exactly_the_fixed_ids():
    assert set(list_protocol_ids()) == FIXED_IDS


@pytest.mark.parametrize("protocol_id", sorted(FIXED_IDS))
def test_every_definition_validates_and_names_its_rule_set(protocol_id):
    definition = load_definition(protocol_id)
    assert definition.id == protocol_id
    assert definition.screening_rule_set == protocol_id
    assert definition.citations and definition.evidence.key_trials


def test_it_caches_definitions():
    assert load_definition("iv-ketamine-trd") is load_definition("iv-ketamine-trd")


def test_unknown_protocol_is_a_key_error_listing_valid_ids():
    with pytest.raises(KeyError) as info:
        load_definition("schizophrenia")
    assert isinstance(info.value, UnknownProtocol)
    assert "iv-ketamine-trd" in str(info.value)
    assert info.value.valid_ids == sorted(FIXED_IDS)


def test_no_schizophrenia_protocol():
    for pid in list_protocol_ids():
        assert "schizophrenia" not in load_definition(pid).indications


@pytest.mark.parametrize(
    ("protocol_id", "research_only"),
    [
        ("iv-ketamine-adolescent-research", True),
        ("eating-disorders-research", True),
        ("iv-ketamine-trd", False),
        ("esketamine-trd-label", False),
    ],
)
def test_research_only_flags(protocol_id, research_only):
    assert load_definition(protocol_id).research_only is research_only


@pytest.mark.parametrize(
    ("protocol_id", "route", "default", "lo", "hi", "ladder", "cap"),
    [
        ("iv-ketamine-trd", "iv", 0.5, 0.5, 1.0, [0.5, 0.75, 1.0], None),
        ("iv-ketamine-aud", "iv", 0.8, 0.8, 0.8, [0.8], None),
        ("sc-ketamine-anxiety", "sc", 0.25, 0.25, 1.0, [0.25, 0.5, 1.0], None),
        ("ed-procedural-sedation", "iv", 1.0, 1.0, 1.0, [], None),  # adults [@green-2011]
        ("pediatric-procedural-sedation", "iv", 1.5, 1.5, 2.0, [], None),  # children [@green-2011]
        ("pediatric-procedural-sedation", "im", 4.0, 4.0, 5.0, [], None),
        ("ed-procedural-sedation", "im", 4.0, 4.0, 5.0, [], None),
        ("ed-severe-agitation", "im", 4.0, 4.0, 5.0, [], 500),  # warning above 4
        ("iv-ketamine-adolescent-research", "iv", 0.5, 0.5, 0.5, [0.5], 40),
        ("esketamine-trd-label", "intranasal", 56, 56, 84, [56, 84], 84),
        ("esketamine-mdsi-label", "intranasal", 84, 56, 84, [56, 84], 84),
    ],
)
def test_dose_rules_match_the_reference(protocol_id, route, default, lo, hi, ladder, cap):
    rule = load_definition(protocol_id).dose_rule(route)
    assert (rule.default, rule.allowed_min, rule.allowed_max) == (default, lo, hi)
    assert rule.titration_ladder == ladder
    assert rule.max_single_dose_mg == cap


@pytest.mark.parametrize("protocol_id", ["ed-procedural-sedation", "pediatric-procedural-sedation"])
def test_the_im_repeat_is_one_dose_after_5_to_10_min_as_acep_gives_it(protocol_id):
    """IM repeat 2-4 mg/kg after 5-10 min; IV 0.5-1 mg/kg every 5-10 min [@green-2011]."""
    definition = load_definition(protocol_id)
    im, iv = definition.dose_rule("im").repeat, definition.dose_rule("iv").repeat
    assert (im.min_mg_per_kg, im.max_mg_per_kg, im.interval_min, im.once) == (2, 4, (5, 10), True)
    assert (iv.min_mg_per_kg, iv.max_mg_per_kg, iv.interval_min, iv.once) == (
        0.5,
        1,
        (5, 10),
        False,
    )
    assert "repeat 2-4 mg/kg once after 5-10 min" in definition.summary
    assert "~10" not in definition.summary
    # A corrected shipped definition gets a new version (later corrections bump it again).
    assert tuple(map(int, definition.version.split("."))) >= (1, 1, 2)


@pytest.mark.parametrize("protocol_id", sorted(FIXED_IDS))
def test_a_protocol_recording_after_dosing_gives_the_interval_for_it(protocol_id):
    """BP every 10-15 min during and after an IV infusion [@riva-posse-2018]. A span after dosing
    with no interval of its own never makes a reading after the infusion overdue."""
    cadence = load_definition(protocol_id).monitoring.vitals_cadence
    assert cadence.after_for_min is None or cadence.after_every_min is not None
    assert not cadence.after_span_without_interval


def test_bipolar_bp_every_10_min_during_and_15_min_for_1_h_after_the_infusion():
    definition = load_definition("iv-ketamine-bipolar-depression")
    cadence = definition.monitoring.vitals_cadence
    assert (cadence.during_every_min, cadence.after_every_min, cadence.after_for_min) == (
        10,
        15,
        60,
    )
    assert definition.version == "1.1.2"


def test_the_library_refuses_an_after_span_without_an_interval():
    data = load_definition("iv-ketamine-bipolar-depression").model_dump(mode="json")
    del data["monitoring"]["vitals_cadence"]["after_every_min"]
    stored_copy = parse_definition(data)  # a clinic's older copy still reads
    assert stored_copy.monitoring.vitals_cadence.after_span_without_interval
    with pytest.raises(ValueError, match="after_for_min without after_every_min"):
        check_shipped(stored_copy)


def test_eating_disorders_has_no_default_dose():
    definition = load_definition("eating-disorders-research")
    assert definition.dose_rule().default is None
    assert "dose.iv.default" in definition.clinic_must_set


def test_esketamine_administration_and_observation():
    definition = load_definition("esketamine-trd-label")
    admin = definition.administration_for()
    assert (admin.device_mg, admin.device_spacing_min) == (28, 5)
    assert definition.monitoring.min_observation_min == 120
    assert definition.monitoring.observation_from == "first_device"
    assert definition.monitoring.discharge.esketamine_bp_falling_from_40_min is True


def test_iv_protocols_time_observation_from_the_end_of_the_infusion():
    definition = load_definition("iv-ketamine-trd")
    assert definition.administration_for().infusion_duration_min == 40
    assert definition.monitoring.observation_from == "end_of_infusion"
    # No cited source gives a minimum observation time for IV TRD: clinic input.
    assert definition.monitoring.min_observation_min is None
    assert "monitoring.min_observation_min" in definition.clinic_must_set


def _rules(protocol_id):
    return {r.rule: r for r in load_definition(protocol_id).monitoring.alert_thresholds}


SBP, DBP, HR = "bp_systolic", "bp_diastolic", "heart_rate"


@pytest.mark.parametrize(
    ("rule", "phase", "conditions", "sustained", "tier"),
    [
        ("pre_dose_bp_hold_180_110", "pre_dose", [(SBP, "ge", 180), (DBP, "ge", 110)], None,
         "urgent"),
        ("pre_dose_bp_above_140_90", "pre_dose", [(SBP, "gt", 140), (DBP, "gt", 90)], None,
         "warning"),
        ("bp_at_or_above_180_110_once", "post_dose", [(SBP, "ge", 180), (DBP, "ge", 110)], None,
         "warning"),
        ("bp_above_180_110_sustained", "post_dose", [(SBP, "ge", 180), (DBP, "ge", 110)], 5,
         "urgent"),
        ("bp_above_200_120", "post_dose", [(SBP, "ge", 200), (DBP, "ge", 120)], None, "urgent"),
        ("bp_raised_with_symptoms", "any", [(SBP, "gt", 140), (DBP, "gt", 90)], None, "urgent"),
        ("sbp_below_90", "any", [(SBP, "lt", 90)], None, "urgent"),
        ("map_below_65", "any", [("map", "lt", 65)], None, "urgent"),
        ("hr_below_50", "any", [(HR, "lt", 50)], None, "warning"),
        ("hr_below_40", "any", [(HR, "lt", 40)], None, "urgent"),
        ("rr_above_30", "any", [("respiratory_rate", "gt", 30)], None, "warning"),
        ("hr_above_120_sustained", "any", [(HR, "gt", 120)], 5, "warning"),
        ("spo2_below_92", "any", [("spo2", "lt", 92)], None, "urgent"),
        ("rr_below_10", "any", [("respiratory_rate", "lt", 10)], None, "urgent"),
        ("moaas_0_or_1", "post_dose", [("moaas", "in", [0, 1])], None, "urgent"),
        ("moaas_2_or_3", "post_dose", [("moaas", "in", [2, 3])], None, "warning"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("protocol_id", ["esketamine-trd-label", "iv-ketamine-trd"])
def test_alert_threshold_defaults(protocol_id, rule, phase, conditions, sustained, tier):
    got = _rules(protocol_id)[rule]
    assert got.phase == phase
    assert [(c.measure, c.comparison, c.value) for c in got.conditions] == conditions
    assert (got.sustained_min, got.tier) == (sustained, tier)
    # Every value cites the bibliography; an INSTITUTIONAL default cites at least the
    # project entry for clinic-editable defaults.
    assert citations(got.source) and not unknown_ids(got.source), got.source


def test_label_threshold_is_fixed_for_esketamine_and_editable_for_ketamine():
    assert _rules("esketamine-trd-label")["pre_dose_bp_above_140_90"].evidence == "FDA-LABEL"
    ketamine = _rules("iv-ketamine-trd")["pre_dose_bp_above_140_90"]
    assert (ketamine.evidence, ketamine.editable) == ("INSTITUTIONAL", True)
    spo2 = _rules("iv-ketamine-trd")["spo2_below_92"]
    assert spo2.editable and "UNCONFIRMED" in spo2.message


def test_discharge_recovery_score_for_ed():
    discharge = load_definition("ed-procedural-sedation").monitoring.discharge
    assert (discharge.recovery_score, discharge.recovery_score_pass) == ("aldrete", 9)
    assert discharge.cadss_threshold is None
    assert discharge.moaas_required == 5 and discharge.escort_required


def _trd_data():
    return load_definition("iv-ketamine-trd").model_dump(mode="json")


def test_it_rejects_unknown_keys():
    data = _trd_data()
    data["colour"] = "blue"
    with pytest.raises(ValidationError, match="colour"):
        parse_definition(data)


def test_it_rejects_a_ladder_outside_the_allowed_range():
    data = _trd_data()
    data["dose"]["iv"]["titration_ladder"] = [0.5, 2.0]
    with pytest.raises(ValidationError, match="outside the allowed range"):
        parse_definition(data)


def test_it_rejects_a_rule_set_other_than_the_protocol_id():
    data = _trd_data()
    data["screening_rule_set"] = "something-else"
    with pytest.raises(ValidationError, match="screening_rule_set"):
        parse_definition(data)


def test_definitions_round_trip_through_json():
    definition = load_definition("esketamine-trd-label")
    again = ProtocolDefinition.model_validate(json.loads(definition.model_dump_json()))
    assert again == definition


def test_definitions_are_frozen():
    definition = load_definition("iv-ketamine-trd")
    with pytest.raises(ValidationError):
        definition.version = "9"  # type: ignore[misc]
