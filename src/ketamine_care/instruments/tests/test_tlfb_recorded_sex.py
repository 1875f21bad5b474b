"""The TLFB's heavy-day line follows the patient's recorded sex (5 or more drinks for men, 4 or
more for women [@niaaa-drinking-levels]; the women's, stricter line when the sex is not
recorded as male or female). An entered line that contradicts the record is refused naming
the field."""

from __future__ import annotations

import pytest

from ketamine_care.core.errors import ValidationFailed
from ketamine_care.instruments import services
from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.models import Administration
from ketamine_care.instruments.preview import preview
from ketamine_care.instruments.scoring import AnswerError, score
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient

TLFB = load_definition("tlfb")
MEN, WOMEN = 1, 2  # the sex item's options
FOURS = [4] * 7  # heavy on every day for women, on none for men


@pytest.mark.parametrize(
    "sex,entered,expected",
    [
        ("female", None, (WOMEN, 100)),
        ("male", None, (MEN, 0)),
        ("female", WOMEN, (WOMEN, 100)),
        ("male", MEN, (MEN, 0)),
        ("unknown", None, (WOMEN, 100)),
        ("other", None, (WOMEN, 100)),
        ("", None, (WOMEN, 100)),
        ("unknown", WOMEN, (WOMEN, 100)),
        (None, None, (WOMEN, 100)),  # no sex at all: the stricter line
        (None, MEN, (MEN, 0)),  # the command line without --sex: the entry decides
    ],
)
def test_the_recorded_sex_picks_the_heavy_day_line(sex, entered, expected) -> None:
    result = score(TLFB, [entered, *FOURS], sex=sex)
    assert (result.item_values["tlfb_sex"], result.total) == expected
    assert result.subscales["heavy_drinking_days"] == (7 if expected[0] == WOMEN else 0)


@pytest.mark.parametrize(
    "sex,entered", [("female", MEN), ("male", WOMEN), ("unknown", MEN), ("other", MEN)]
)
def test_a_line_contradicting_the_recorded_sex_is_refused_naming_the_field(sex, entered):
    with pytest.raises(AnswerError) as caught:
        score(TLFB, [entered, *FOURS], sex=sex)
    assert caught.value.item_id == "tlfb_sex"
    assert caught.value.message.startswith("tlfb_sex (Heavy-day line for): got ")
    assert "recorded" in caught.value.message


def test_the_preview_scores_without_the_sex_on_the_recorded_sex() -> None:
    found = preview(TLFB, {"tlfb_sex": "", "tlfb_drinks": "4 4 0 0"}, sex="female")
    assert found.result is not None and found.result.total == 50
    refused = preview(TLFB, {"tlfb_sex": "1", "tlfb_drinks": "4 4 0 0"}, sex="female")
    assert refused.result is None and "tlfb_sex" in refused.errors


class RecordTlfbTests(ClinicTestCase):
    def record(self, patient, answers):
        return services.record_administration(
            patient=patient,
            instrument_code="tlfb",
            answers=answers,
            time_point="baseline",
            actor=self.nurse,
        )

    def test_without_an_entry_the_recorded_sex_decides_and_is_stored(self):
        women = self.record(make_patient(clinic=self.clinic, actor=self.nurse, sex="female"),
                            {"tlfb_drinks": FOURS})  # fmt: skip
        men = self.record(make_patient(clinic=self.clinic, actor=self.nurse, sex="male"),
                          {"tlfb_sex": None, "tlfb_drinks": FOURS})  # fmt: skip
        self.assertEqual((women.total, women.answers["tlfb_sex"]), (100, WOMEN))
        self.assertEqual((men.total, men.answers["tlfb_sex"]), (0, MEN))

    def test_a_contradicting_entry_is_refused_naming_the_field_and_nothing_is_saved(self):
        for sex in ("female", "unknown"):
            patient = make_patient(clinic=self.clinic, actor=self.nurse, sex=sex)
            with self.assertRaises(ValidationFailed) as caught:
                self.record(patient, {"tlfb_sex": MEN, "tlfb_drinks": FOURS})
            self.assertEqual(list(caught.exception.fields), ["tlfb_sex"])
        self.assertFalse(Administration.objects.exists())

    def test_an_unknown_sex_gets_the_womens_line(self):
        patient = make_patient(clinic=self.clinic, actor=self.nurse, sex="unknown")
        row = self.record(patient, {"tlfb_drinks": FOURS})
        self.assertEqual((row.total, row.subscales["heavy_drinking_days"]), (100, 7))

    def test_a_rescore_follows_the_sex_recorded_now(self):
        patient = make_patient(clinic=self.clinic, actor=self.nurse, sex="female")
        row = self.record(patient, {"tlfb_drinks": FOURS})
        # An older row stored with the men's line for this patient.
        Administration.objects.filter(pk=row.pk).update(
            answers={"tlfb_sex": MEN, "tlfb_drinks": FOURS}
        )
        row.refresh_from_db()
        self.assertEqual(services.rescore(row).total, 100)
