"""HAM-A, CAPS-5 (total only) and the Timeline Followback: scoring, CLI and recording."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core.errors import ValidationFailed
from ketamine_care.instruments.cli import main
from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.scoring import AnswerError, score
from ketamine_care.protocols.library import load_definition as load_protocol
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import record

KEYS = ["instrument", "version", "total", "band", "subscales", "flags", "risk"]
HAMA = load_definition("hama")
TLFB = load_definition("tlfb")


def hama(total: int) -> list[int]:
    out = []
    for _ in range(14):
        out.append(min(4, total))
        total -= out[-1]
    return out


@pytest.mark.parametrize(
    "total,band",
    [(0, "mild"), (17, "mild"), (18, "mild_to_moderate"), (24, "mild_to_moderate"),
     (25, "moderate_to_severe"), (30, "moderate_to_severe"), (31, "severe"), (56, "severe")],
)  # fmt: skip
def test_hama_bands(total: int, band: str) -> None:
    assert score(HAMA, hama(total)).band == band


def test_hama_band_above_30_is_labelled_unconfirmed_and_editable() -> None:
    severe = next(b for b in HAMA.banding.bands if b.min == 31)
    assert "UNCONFIRMED" in severe.label and HAMA.banding.editable
    assert (len(HAMA.items), HAMA.total_range.max) == (14, 56)


def test_caps5_stores_a_total_only_with_no_item_text() -> None:
    assert [i.id for i in load_definition("caps5").items] == ["caps5_total"]
    assert load_definition("caps5").licence.reproduce_text is False
    assert score(load_definition("caps5"), [42]).total == 42
    with pytest.raises(AnswerError):
        score(load_definition("caps5"), [81])


# (sex, drinks per day) -> (percent heavy days, heavy days, abstinent days, percent abstinent)
TLFB_TABLE = [
    ("male", [0, 0, 4, 5, 0, 6, 0], (29, 2, 4, 57)),  # men: 5 heavy, 4 not
    ("female", [0, 0, 4, 5, 0, 6, 0], (43, 3, 4, 57)),  # women: 4 heavy
    ("male", [0] * 30, (0, 0, 30, 100)),
    ("female", [3, 3, 3, 3], (0, 0, 0, 0)),  # drinking but never heavy
    ("male", [5, 0, 0, 0, 0, 0, 0, 0], (13, 1, 7, 88)),  # 12.5 % rounds half up
]


@pytest.mark.parametrize("sex,drinks,expected", TLFB_TABLE)
def test_tlfb_percent_days_abstinent_and_heavy_drinking_days(sex, drinks, expected) -> None:
    result = score(TLFB, [sex, *drinks])
    s = result.subscales
    assert (result.total, s["heavy_drinking_days"], s["abstinent_days"],
            s["percent_days_abstinent"]) == expected  # fmt: skip
    assert s["days"] == len(drinks) and s["drinks"] == sum(drinks)


def test_tlfb_heavy_day_lines_are_sourced_data() -> None:
    calendar = TLFB.calendar
    assert calendar.heavy_day_min_drinks == {"1": 5, "2": 4}
    assert "[@niaaa-drinking-levels]" in calendar.source and "[@sobell-1992]" in calendar.source


@pytest.mark.parametrize(
    "answers",
    [[2, 0, 4], [2, [0, 4]], [2, "0 4"], [2, "0, 4"], {"tlfb_sex": 2, "tlfb_drinks": "0 4"}],
)
def test_tlfb_takes_the_day_list_in_each_shape_callers_give(answers) -> None:
    from ketamine_care.instruments.tlfb import flatten

    assert score(TLFB, flatten(TLFB.calendar, answers)).total == 50


@pytest.mark.parametrize(
    "answers,named",
    [(["other", 0, 1], "tlfb_sex"), ([1], "tlfb_drinks"), ([1, 0, -1], "day 2"),
     ([1, 0, "x"], "day 2"), ([1, *[0] * 366], "tlfb_drinks")],
)  # fmt: skip
def test_tlfb_bad_input_names_the_field(answers, named) -> None:
    with pytest.raises(AnswerError) as caught:
        score(TLFB, answers)
    assert named in caught.value.message


@given(st.sampled_from([1, 2]), st.lists(st.integers(0, 99), min_size=1, max_size=60))
def test_tlfb_percentages_stay_in_range_and_more_drinking_never_lowers_heavy_days(sex, drinks):
    base = score(TLFB, [sex, *drinks])
    more = score(TLFB, [sex, *[d + 1 for d in drinks]])
    assert 0 <= base.total <= 100 and 0 <= base.subscales["percent_days_abstinent"] <= 100
    assert more.total >= base.total
    assert more.subscales["abstinent_days"] == 0


def test_cli_score_hama(capsys) -> None:
    assert main(["hama", *map(str, hama(25)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == KEYS
    assert (out["total"], out["band"], out["flags"]) == (25, "moderate_to_severe", [])
    assert main(["hama", "1", "2"]) == 2
    assert "hama_3" in capsys.readouterr().err


def test_cli_score_tlfb(capsys) -> None:
    assert main(["tlfb", "female", "0", "0", "4", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == KEYS
    assert out["total"] == 25 and out["subscales"]["percent_days_abstinent"] == 50
    assert main(["tlfb", "male", "0", "6"]) == 0
    assert "total (percent heavy drinking days): 50" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,named", [(["tlfb", "unknown", "0"], "tlfb_sex"), (["tlfb", "male"], "days"),
                   (["tlfb", "male", "0", "2.5"], "day 2")],
)  # fmt: skip
def test_cli_score_tlfb_bad_input_exits_2_naming_it(capsys, argv, named) -> None:
    assert main(argv) == 2
    assert named in capsys.readouterr().err


def test_aud_protocol_measures_change_with_tlfb_and_keeps_audit_for_baseline() -> None:
    aud = load_protocol("iv-ketamine-aud")
    assert aud.outcome.instrument == "tlfb" and aud.outcome.secondary == ["audit"]
    baseline = {
        tp.instrument for tp in aud.monitoring.instruments_at if tp.time_point == "baseline"
    }
    assert {"audit", "tlfb"} <= baseline
    assert all("audit" not in r.instruments for r in aud.schedule.reviews)


def test_ptsd_and_anxiety_protocols_name_caps5_and_hama() -> None:
    ptsd, anxiety = load_protocol("iv-ketamine-ptsd"), load_protocol("sc-ketamine-anxiety")
    assert "caps5" in ptsd.outcome.secondary
    assert any(tp.instrument == "caps5" for tp in ptsd.monitoring.instruments_at)
    assert "hama" in anxiety.outcome.secondary
    assert any(tp.instrument == "hama" for tp in anxiety.monitoring.instruments_at)


class TlfbRecordingTests(ClinicTestCase):
    def test_the_chart_form_shape_records_the_window(self):
        a = record(self.patient, self.nurse, "tlfb", {"tlfb_sex": "2", "tlfb_drinks": "0 0 4 2"})
        self.assertEqual((a.total, a.subscales["heavy_drinking_days"]), (25, 1))
        self.assertEqual(a.answers, {"tlfb_sex": 2, "tlfb_drinks": [0, 0, 4, 2]})

    def test_a_bad_day_names_the_field_and_saves_nothing(self):
        with self.assertRaises(ValidationFailed) as caught:
            record(self.patient, self.nurse, "tlfb", {"tlfb_sex": "1", "tlfb_drinks": "0 x"})
        self.assertIn("tlfb_drinks", caught.exception.fields)
        self.assertFalse(self.patient.administrations.exists())

    def test_the_entry_form_and_api_take_a_tlfb(self):
        client = self.client_for(self.nurse)
        form = client.get(f"/measures/{self.patient.public_id}/entry/?instrument=tlfb")
        self.assertContains(form, "One number per day, oldest first")
        # The patient is recorded female: the women's line (2), as the record says.
        body = {"instrument": "tlfb", "answers": [2, 0, 6], "time_point": "baseline"}
        url = f"/api/v1/patients/{self.patient.public_id}/administrations"
        response = client.post(url, body, content_type="application/json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["total"], 50)

    def test_the_chart_preview_and_record_take_the_day_list(self):
        client = self.client_for(self.nurse)
        base = f"/measures/{self.patient.public_id}/"
        fields = {"instrument": "tlfb", "item_tlfb_sex": "2", "item_tlfb_drinks": "0, 6"}
        preview = client.post(base + "preview/", fields)
        self.assertContains(preview, "50")
        bad = client.post(base + "record/", {**fields, "item_tlfb_drinks": "0 six",
                                             "time_point": "baseline"})  # fmt: skip
        self.assertEqual(bad.status_code, 422)
        saved = client.post(base + "record/", {**fields, "time_point": "baseline"})
        self.assertEqual(saved.status_code, 302)
        self.assertEqual(self.patient.administrations.get().total, 50)

    def test_the_chart_form_refuses_a_line_against_the_recorded_sex_naming_it(self):
        client = self.client_for(self.nurse)
        base = f"/measures/{self.patient.public_id}/"
        fields = {"instrument": "tlfb", "item_tlfb_sex": "1", "item_tlfb_drinks": "0, 6",
                  "time_point": "baseline"}  # fmt: skip
        refused = client.post(base + "record/", fields)
        self.assertContains(refused, "recorded sex is female", status_code=422)
        self.assertFalse(self.patient.administrations.exists())
        saved = client.post(base + "record/", {**fields, "item_tlfb_sex": ""})
        self.assertEqual(saved.status_code, 302)
        self.assertEqual(self.patient.administrations.get().answers["tlfb_sex"], 2)
