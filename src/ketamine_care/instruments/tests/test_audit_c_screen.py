"""AUDIT-C positive screen: total >= 4 for men, >= 3 for women [@bradley-2007]; a sex that is
not recorded as male or female gets the stricter cut-off (>= 3), and the result says so.

The same edges through the pure scorer, the `ketamine-care score` command's JSON, the entry
form's live score card, the stored administration, the API and the chart."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ketamine_care.instruments import services
from ketamine_care.instruments.cli import main
from ketamine_care.instruments.definition import (
    InstrumentDefinition,
    definition_content,
    load_definition,
)
from ketamine_care.instruments.models import Administration
from ketamine_care.instruments.scoring import score
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import record

FLAG = "audit_c_positive"
MEN = "total 4 or more for men"
WOMEN = "total 3 or more for women"
STRICTER = "total 3 or more: sex not recorded as male or female, so the stricter cut-off"

# (sex given, answers, total, positive, sex reported, cut-off applied, its words)
EDGES = [
    ("male", [1, 1, 1], 3, False, "male", 4, MEN),
    ("male", [2, 1, 1], 4, True, "male", 4, MEN),
    ("female", [1, 1, 0], 2, False, "female", 3, WOMEN),
    ("female", [1, 1, 1], 3, True, "female", 3, WOMEN),
    (None, [1, 1, 1], 3, True, "unknown", 3, STRICTER),
    (None, [1, 1, 0], 2, False, "unknown", 3, STRICTER),
    ("unknown", [1, 1, 1], 3, True, "unknown", 3, STRICTER),
    ("other", [1, 1, 1], 3, True, "other", 3, STRICTER),
    (" Male ", [1, 1, 1], 3, False, "male", 4, MEN),
]
IDS = [f"{sex}-{sum(answers)}" for sex, answers, *_ in EDGES]


def expected_json(total, positive, sex, cut, words) -> dict:
    return {
        "instrument": "audit_c",
        "version": load_definition("audit_c").version,
        "total": total,
        "band": None,
        "subscales": {},
        "flags": [FLAG] if positive else [],
        "risk": None,
        "screen": {
            "flag": FLAG,
            "positive": positive,
            "sex": sex,
            "min_total": cut,
            "cut_off": words,
        },
    }


@pytest.mark.parametrize("given,answers,total,positive,sex,cut,words", EDGES, ids=IDS)
def test_the_pure_scorer_flags_at_the_sex_specific_cut_off(
    given, answers, total, positive, sex, cut, words
) -> None:
    result = score(load_definition("audit_c"), answers, sex=given)
    assert result.as_json() == expected_json(total, positive, sex, cut, words)
    assert (FLAG in result.flags) is positive


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


CLI_EDGES = [e for e in EDGES if e[0] in (None, "male", "female", "unknown", "other")]


@pytest.mark.parametrize(
    "given,answers,total,positive,sex,cut,words",
    CLI_EDGES,
    ids=[f"{e[0]}-{sum(e[1])}" for e in CLI_EDGES],
)
def test_the_command_prints_the_exact_json(
    capsys, given, answers, total, positive, sex, cut, words
) -> None:
    sex_args = ["--sex", given] if given else []
    status, out, _ = _run(capsys, "audit_c", *map(str, answers), *sex_args, "--json")
    assert status == 0
    assert json.loads(out) == expected_json(total, positive, sex, cut, words)
    # The existing keys keep their names and order; `screen` is added last.
    assert list(json.loads(out)) == [
        "instrument", "version", "total", "band", "subscales", "flags", "risk", "screen",
    ]  # fmt: skip


def test_the_command_takes_the_sex_first_as_for_tlfb(capsys) -> None:
    _, men, _ = _run(capsys, "audit_c", "male", "1", "1", "1", "--json")
    _, women, _ = _run(capsys, "audit_c", "female", "1", "1", "1", "--json")
    assert json.loads(men)["flags"] == [] and json.loads(men)["screen"]["min_total"] == 4
    assert json.loads(women)["flags"] == [FLAG] and json.loads(women)["screen"]["sex"] == "female"


def test_the_command_refuses_two_different_sexes(capsys) -> None:
    status, out, err = _run(capsys, "audit_c", "male", "1", "1", "1", "--sex", "female")
    assert status == 2 and out == "" and "two sexes given" in err


def test_the_human_summary_states_the_cut_off(capsys) -> None:
    _, out, _ = _run(capsys, "audit_c", "1", "1", "1")
    assert f"screen: positive ({STRICTER})" in out and f"flags: {FLAG}" in out
    _, out, _ = _run(capsys, "audit_c", "male", "1", "1", "1")
    assert f"screen: negative ({MEN})" in out and "flags: none" in out


def test_other_instruments_keep_their_json_without_a_screen(capsys) -> None:
    status, out, _ = _run(capsys, "audit", *["0"] * 10, "--sex", "male", "--json")
    assert status == 0 and "screen" not in json.loads(out)


def test_the_definition_states_confirmed_cut_offs_with_their_source() -> None:
    definition = load_definition("audit_c")
    assert definition.screen is not None
    assert definition.screen.min_total == {"male": 4, "female": 3}
    assert "[@bradley-2007]" in definition.screen.source
    text = json.dumps(definition_content("audit_c"))
    assert "UNCONFIRMED" not in text and "not applied" not in text


def _with_screen(**changes) -> dict:
    content = definition_content("audit_c")
    content["screen"] = {**content["screen"], **changes}
    return content


@pytest.mark.parametrize(
    "changes",
    [
        {"min_total": {"male": 4}},  # a sex without a cut-off
        {"min_total": {"male": 4, "female": 13}},  # above the highest total
        {"min_total": {"male": 0, "female": 3}},  # every total would be positive
    ],
)
def test_a_definition_with_unusable_cut_offs_fails_to_load(changes) -> None:
    with pytest.raises(ValidationError):
        InstrumentDefinition.model_validate(_with_screen(**changes))


def audit_c_post(values, **extra):
    data = {f"item_audit_c_{i}": str(v) for i, v in enumerate(values, 1)}
    return {"instrument": "audit_c", "time_point": "baseline", **data, **extra}


class AuditCScreenOnScreensTests(ClinicTestCase):
    """ClinicTestCase's patient is recorded female; a man and a patient whose sex is recorded
    unknown are added here."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.man = make_patient(clinic=cls.clinic, actor=cls.prescriber, sex="male")
        cls.unknown = make_patient(clinic=cls.clinic, actor=cls.prescriber, sex="unknown")

    def preview(self, patient, values):
        url = f"/measures/{patient.public_id}/preview/"
        return self.client_for(self.nurse).post(url, audit_c_post(values), HTTP_HX_REQUEST="true")

    def test_the_score_card_shows_the_screen_by_the_patient_s_recorded_sex(self):
        cases = [
            (self.man, [1, 1, 1], False, MEN),
            (self.man, [2, 1, 1], True, MEN),
            (self.patient, [1, 1, 0], False, WOMEN),
            (self.patient, [1, 1, 1], True, WOMEN),
            (self.unknown, [1, 1, 1], True, STRICTER),
        ]
        for patient, values, positive, words in cases:
            with self.subTest(sex=patient.sex, total=sum(values)):
                response = self.preview(patient, values)
                self.assertContains(response, 'id="live-screen"')
                self.assertContains(response, words)
                badge = '<span class="badge warn">Positive AUDIT-C screen</span>'
                if positive:
                    self.assertContains(response, badge)
                else:
                    self.assertNotContains(response, badge)
                    self.assertContains(response, "Positive AUDIT-C screen: <strong>no</strong>")
                # Shown in words, and not as a safety flag.
                self.assertNotContains(response, FLAG)
                self.assertNotContains(response, "audit c positive")
                self.assertNotContains(response, 'id="live-flags"')

    def test_a_stored_administration_carries_the_flag_and_raises_no_alert(self):
        cases = [
            (self.man, [1, 1, 1], []),
            (self.man, [2, 1, 1], [FLAG]),
            (self.patient, [1, 1, 0], []),
            (self.patient, [1, 1, 1], [FLAG]),
            (self.unknown, [1, 1, 1], [FLAG]),
        ]
        for patient, values, flags in cases:
            with self.subTest(sex=patient.sex, total=sum(values)):
                row = record(patient, self.nurse, "audit_c", values, time_point="baseline")
                self.assertEqual(row.flags, flags)
                self.assertEqual(row.definition_version, load_definition("audit_c").version)
                self.assertEqual(list(services.rescore(row).flags), flags)
        self.assertFalse(SafetyAlert.objects.exists())

    def test_the_web_entry_saves_the_flag(self):
        url = f"/measures/{self.unknown.public_id}/record/"
        response = self.client_for(self.nurse).post(url, audit_c_post([1, 1, 1]))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Administration.objects.get(patient=self.unknown).flags, [FLAG])

    def test_the_chart_shows_the_positive_screen_in_words_with_its_source(self):
        record(self.patient, self.nurse, "audit_c", [1, 1, 1], days_ago=2, time_point="baseline")
        record(self.patient, self.nurse, "audit_c", [1, 1, 0], days_ago=1)
        response = self.client_for(self.nurse).get(f"/patients/{self.patient.public_id}/")
        self.assertContains(response, "AUDIT-C positive screen: total 4 or more for men")
        self.assertContains(response, "<td>Positive AUDIT-C screen</td>", count=1)  # data table
        self.assertNotContains(response, FLAG)
        self.assertNotContains(response, "audit c positive")
        # The latest (2, negative for a woman) carries no badge.
        self.assertNotContains(response, '<span class="badge warn">Positive AUDIT-C screen</span>')
        record(self.patient, self.nurse, "audit_c", [2, 1, 0])
        response = self.client_for(self.nurse).get(f"/patients/{self.patient.public_id}/")
        self.assertContains(response, '<span class="badge warn">Positive AUDIT-C screen</span>')

    def test_the_api_returns_the_flag(self):
        from ketamine_care.instruments.tests.test_api import token_for

        body = {"instrument": "audit_c", "answers": [2, 1, 1], "time_point": "baseline"}
        response = self.client.post(
            f"/api/v1/patients/{self.man.public_id}/administrations",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_for(self.nurse)}",
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual((response.json()["total"], response.json()["flags"]), (4, [FLAG]))
        self.assertEqual(response.json()["alerts"], [])
