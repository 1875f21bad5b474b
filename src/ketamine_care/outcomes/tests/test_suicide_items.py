"""Suicide items of the depression scales raise the suicidality flag and a safety alert, at
clinic-editable institutional cut-offs (MADRS item 10 >= 4, QIDS-SR16 item 12 >= 2, HAM-D17
item 3 >= 2)."""

from __future__ import annotations

import json

import pytest

from ketamine_care.core.bibliography import citations, unknown_ids
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.instruments.cli import main as score_main
from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.scoring import score
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.outcomes.safety import evaluate_safety, load_safety_rules
from ketamine_care.outcomes.services import (
    clinic_rules,
    safety_settings_for,
    update_safety_settings,
)
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import record


def answers(code: str, item: str, value: int) -> list[int]:
    definition = load_definition(code)
    return [value if i == item else 0 for i in definition.item_ids]


# (instrument, item, value, flagged, rule id)
TABLE = [
    ("madrs", "madrs_10", 4, True, "madrs_item10_active_ideation"),
    ("madrs", "madrs_10", 6, True, "madrs_item10_active_ideation"),
    ("madrs", "madrs_10", 3, False, "madrs_item10_active_ideation"),
    ("qids_sr16", "qids_sr16_12", 2, True, "qids_item12_active_ideation"),
    ("qids_sr16", "qids_sr16_12", 1, False, "qids_item12_active_ideation"),
    ("hamd17", "hamd17_3", 2, True, "hamd17_item3_active_ideation"),
    ("hamd17", "hamd17_3", 1, False, "hamd17_item3_active_ideation"),
]


@pytest.mark.parametrize("code,item,value,flagged,rule_id", TABLE)
def test_suicide_item_raises_flag_and_alert_at_the_cut_off(code, item, value, flagged, rule_id):
    result = score(load_definition(code), answers(code, item, value))
    assert ("suicidality" in result.flags) is flagged
    alerts = evaluate_safety(load_safety_rules(), result)
    assert [a.rule_id for a in alerts] == ([rule_id] if flagged else [])
    if flagged:
        assert alerts[0].severity == "high"
        assert "safety plan" in alerts[0].actions.care_team_task


@pytest.mark.parametrize("rule_id", [r[4] for r in TABLE])
def test_suicide_item_rules_cite_their_scale_and_are_labelled_institutional(rule_id):
    rule = next(r for r in load_safety_rules().rules if r.id == rule_id)
    assert rule.evidence == "INSTITUTIONAL" and rule.editable
    assert citations(rule.source) and not unknown_ids(rule.source)


def test_score_madrs_cli_shows_the_flag_with_the_same_json_keys(capsys):
    assert score_main(["madrs", *map(str, answers("madrs", "madrs_10", 4)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["instrument", "version", "total", "band", "subscales", "flags", "risk"]
    assert out["flags"] == ["suicidality"]
    assert score_main(["madrs", *map(str, answers("madrs", "madrs_10", 3)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["flags"] == []


def test_a_clinic_cut_off_moves_the_alert():
    rules = load_safety_rules().configure({"madrs_item10_active_ideation": 3})
    three = score(load_definition("madrs"), answers("madrs", "madrs_10", 3))
    assert [a.rule_id for a in evaluate_safety(rules, three)] == ["madrs_item10_active_ideation"]


@pytest.mark.parametrize(
    "rule_id,default,moved",
    [("madrs_item10_active_ideation", "4", 3), ("qids_item12_active_ideation", "2", 3),
     ("hamd17_item3_active_ideation", "2", 3)],
)  # fmt: skip
def test_the_alert_message_states_the_cut_off_the_clinic_set(rule_id, default, moved):
    rules = load_safety_rules()
    rule = next(r for r in rules.rules if r.id == rule_id)
    answered = answers(rule.instrument, rule.condition.item, max(int(default), moved))
    result = score(load_definition(rule.instrument), answered)
    (at_default,) = evaluate_safety(rules, result)
    assert f"at {default} or above" in at_default.message
    (alert,) = evaluate_safety(rules.configure({rule_id: moved}), result)
    assert f"at {moved} or above" in alert.message and "{value}" not in alert.message
    assert f"at {default} or above" not in alert.message


def test_no_default_rule_states_its_cut_off_in_fixed_words():
    for rule in load_safety_rules().rules:
        if getattr(rule.condition, "value", None) is not None:
            assert "{value}" in rule.message, rule.id


class SuicideItemSettingsTests(ClinicTestCase):
    def save(self, thresholds):
        return update_safety_settings(
            clinic=self.clinic,
            actor=self.medical_director,
            crisis_resources_text="",
            crisis_protocol_text="",
            cadss_discharge_threshold=None,
            suicide_item_thresholds=thresholds,
        )

    def test_recording_madrs_item10_at_4_stores_the_flag_and_an_open_alert(self):
        low = record(self.patient, self.prescriber, "madrs", answers("madrs", "madrs_10", 3))
        self.assertEqual(low.flags, [])
        self.assertFalse(SafetyAlert.objects.filter(administration=low).exists())
        high = record(self.patient, self.prescriber, "madrs", answers("madrs", "madrs_10", 4))
        self.assertEqual(high.flags, ["suicidality"])
        alert = SafetyAlert.objects.get(administration=high)
        self.assertEqual((alert.rule_id, alert.observed, alert.threshold),
                         ("madrs_item10_active_ideation", "4", "4"))  # fmt: skip

    def test_the_clinic_sets_a_stricter_cut_off_and_the_alert_follows_it(self):
        self.save({"madrs_item10_active_ideation": 2})
        rule = next(r for r in clinic_rules(safety_settings_for(self.clinic)).rules
                    if r.id == "madrs_item10_active_ideation")  # fmt: skip
        self.assertEqual(rule.condition.value, 2)
        two = record(self.patient, self.prescriber, "madrs", answers("madrs", "madrs_10", 2))
        self.assertTrue(SafetyAlert.objects.filter(administration=two).exists())
        # The result carries no flag at 2 (the instrument's flag is at 4), yet the alert is
        # about suicidality: the chart still prompts for a safety plan.
        self.assertEqual(two.flags, [])
        chart = self.client_for(self.nurse).get(f"/patients/{self.patient.public_id}/")
        self.assertContains(chart, 'id="safety-plan-prompt"')
        self.save({"madrs_item10_active_ideation": None})
        self.assertNotIn("madrs_item10_active_ideation",
                         safety_settings_for(self.clinic).rule_values)  # fmt: skip

    def test_the_stored_alert_states_the_clinics_cut_off(self):
        self.save({"madrs_item10_active_ideation": 3})
        three = record(self.patient, self.prescriber, "madrs", answers("madrs", "madrs_10", 3))
        alert = SafetyAlert.objects.get(administration=three)
        self.assertEqual(alert.message, "MADRS item 10 (suicidal thoughts) is at 3 or above.")
        self.assertEqual((alert.observed, alert.threshold), ("3", "3"))

    def test_a_cut_off_outside_the_item_range_or_at_zero_names_the_rule_and_saves_nothing(self):
        for bad in ({"madrs_item10_active_ideation": 7}, {"hamd17_item3_active_ideation": 0},
                    {"qids_item12_active_ideation": 1.5}, {"phq9_item9_positive": 1}):  # fmt: skip
            with self.assertRaises(ValidationFailed) as caught:
                self.save(bad)
            self.assertEqual(set(caught.exception.fields), set(bad))
        self.assertEqual(safety_settings_for(self.clinic).rule_values, {})

    def test_the_settings_page_edits_the_suicide_item_cut_offs(self):
        client = self.client_for(self.medical_director)
        page = client.get("/alerts/settings/")
        self.assertContains(page, "Suicide items: raise the suicidality alert at or above")
        self.assertContains(page, "Montgomery")
        response = client.post(
            "/alerts/settings/",
            {"qids_item12_active_ideation": "1", "cadss_discharge_threshold": ""},
        )
        self.assertEqual(response.status_code, 302)
        values = safety_settings_for(self.clinic).rule_values
        self.assertEqual(values, {"qids_item12_active_ideation": 1})
        bad = client.post("/alerts/settings/", {"madrs_item10_active_ideation": "9"})
        self.assertEqual(bad.status_code, 422)


def test_every_suicidality_rule_named_in_code_exists_in_the_rule_data():
    from ketamine_care.outcomes.services import SUICIDALITY_RULES

    assert SUICIDALITY_RULES <= {r.id for r in load_safety_rules().rules}


@pytest.mark.parametrize("code", ["madrs", "qids_sr16", "hamd17"])
def test_the_version_without_the_flag_stays_loadable_for_old_data(code):
    from ketamine_care.instruments.definition import definition

    old, new = definition(code, "1.0.0"), load_definition(code)
    assert old.safety_flags == () and tuple(map(int, new.version.split("."))) >= (1, 1, 1)
    # 1.1.0 introduced the flag; later versions changed only their wording and citations.
    assert definition(code, "1.1.0").safety_flags == new.safety_flags
    assert definition(code, "1.1.0").safety_flags == definition(code, "1.1.1").safety_flags
    assert [f.flag for f in new.safety_flags] == ["suicidality"]
