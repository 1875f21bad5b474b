"""`ketamine-care score --json` against the published scoring rules, instrument by instrument.

Every case runs the console script's entry point and compares the whole JSON object. Totals
sit on both sides of each band boundary; each block names the source of its ranges, bands and
rules as a bibliography id (`core/sources.json`). Answers are item values in item order.
"""

from __future__ import annotations

import json
import re

import pytest

from ketamine_care.__main__ import main as entry_point
from ketamine_care.instruments.definition import definition_content, load_definition

KEYS = ["instrument", "version", "total", "band", "subscales", "flags", "risk"]
SUI = ("suicidality",)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        entry_point(["ketamine-care", "score", *argv])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def case(code, answers, total, band=None, *, sub=None, flags=(), risk=None, screen=None):
    expected = {"total": total, "band": band, "subscales": sub or {}, "flags": list(flags),
                "risk": risk}  # fmt: skip
    if screen is not None:
        expected["screen"] = screen
    return pytest.param(code, answers.split(), expected, id=f"{code} {answers}")


def ybocs(answers, total, band):
    values = [int(v) for v in answers.split()]
    sub = {"obsessions": sum(values[:5]), "compulsions": sum(values[5:])}
    return case("ybocs", answers, total, band, sub=sub)


def men(cut):
    return {"sex": "male", "min_total": cut, "cut_off": f"total {cut} or more for men"}


def women(cut):
    return {"sex": "female", "min_total": cut, "cut_off": f"total {cut} or more for women"}


def unknown(sex):
    words = "total 3 or more: sex not recorded as male or female, so the stricter cut-off"
    return {"sex": sex, "min_total": 3, "cut_off": words}


def screen(positive, cut):
    return {"flag": "audit_c_positive", "positive": positive, **cut}


def tlfb(sex, drinks, percent_heavy, heavy, abstinent, percent_abstinent):
    days = drinks.split()
    sub = {"days": len(days), "abstinent_days": abstinent, "heavy_drinking_days": heavy,
           "drinks": sum(map(int, days)), "percent_days_abstinent": percent_abstinent}  # fmt: skip
    return case("tlfb", f"{sex} {drinks}", percent_heavy, sub=sub)


# fmt: off
CASES = [
    # PHQ-9: 9 items 0-3, total 0-27; bands 0-4 / 5-9 / 10-14 / 15-19 / 20-27 [@kroenke-2001].
    # Item 9 above 0 raises the suicidality flag, whatever the total (practice convention:
    # assess suicide risk, e.g. with the C-SSRS [@posner-2011]).
    case("phq9", "0 0 0 0 0 0 0 0 0", 0, "minimal"),
    case("phq9", "1 1 1 1 0 0 0 0 0", 4, "minimal"),
    case("phq9", "1 1 1 1 1 0 0 0 0", 5, "mild"),
    case("phq9", "2 1 1 1 1 1 1 1 0", 9, "mild"),
    case("phq9", "2 2 1 1 1 1 1 1 0", 10, "moderate"),
    case("phq9", "2 2 2 2 2 1 1 2 0", 14, "moderate"),
    case("phq9", "2 2 2 2 2 2 2 1 0", 15, "moderately_severe"),
    case("phq9", "3 3 3 2 2 2 2 2 0", 19, "moderately_severe"),
    case("phq9", "3 3 3 3 2 2 2 2 0", 20, "severe"),
    case("phq9", "3 3 3 3 3 3 3 3 0", 24, "severe"),
    case("phq9", "3 3 3 3 3 3 3 3 3", 27, "severe", flags=SUI),
    case("phq9", "0 0 0 0 0 0 0 0 1", 1, "minimal", flags=SUI),
    # GAD-7: 7 items 0-3, total 0-21; bands 0-4 / 5-9 / 10-14 / 15-21 [@spitzer-2006].
    case("gad7", "0 0 0 0 0 0 0", 0, "minimal"),
    case("gad7", "1 1 1 1 0 0 0", 4, "minimal"),
    case("gad7", "1 1 1 1 1 0 0", 5, "mild"),
    case("gad7", "2 2 2 1 1 1 0", 9, "mild"),
    case("gad7", "2 2 2 1 1 1 1", 10, "moderate"),
    case("gad7", "2 2 2 2 2 2 2", 14, "moderate"),
    case("gad7", "3 2 2 2 2 2 2", 15, "severe"),
    case("gad7", "3 3 3 3 3 3 3", 21, "severe"),
    # MADRS: 10 items 0-6, total 0-60 [@montgomery-1979]; grades 0-6 / 7-19 / 20-34 / 35-60
    # [@snaith-madrs-grades]. Item 10 at 4 or above flags suicidality (INSTITUTIONAL cut-off at
    # the item's active-ideation anchor [@montgomery-1979]).
    case("madrs", "0 0 0 0 0 0 0 0 0 0", 0, "normal"),
    case("madrs", "1 1 1 1 1 1 0 0 0 0", 6, "normal"),
    case("madrs", "1 1 1 1 1 1 1 0 0 0", 7, "mild"),
    case("madrs", "2 2 2 2 2 2 2 2 2 1", 19, "mild"),
    case("madrs", "2 2 2 2 2 2 2 2 2 2", 20, "moderate"),
    case("madrs", "4 4 4 4 4 4 4 3 3 0", 34, "moderate"),
    case("madrs", "4 4 4 4 4 4 4 4 3 0", 35, "severe"),
    case("madrs", "6 6 6 6 6 6 6 6 6 6", 60, "severe", flags=SUI),
    case("madrs", "0 0 0 0 0 0 0 0 0 3", 3, "normal"),
    case("madrs", "0 0 0 0 0 0 0 0 0 4", 4, "normal", flags=SUI),
    # QIDS-SR16: 16 items 0-3; total = the highest item of each of 9 domains (sleep 1-4,
    # appetite/weight 6-9, psychomotor 15-16, the others single), 0-27; bands 0-5 / 6-10 /
    # 11-15 / 16-20 / 21-27 [@rush-2003]. Item 12 at 2 or above flags suicidality (INSTITUTIONAL
    # cut-off at the item's active-ideation anchor [@rush-2003]).
    case("qids_sr16", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 0, "none"),
    case("qids_sr16", "3 3 3 3 2 0 0 0 0 0 0 0 0 0 0 0", 5, "none"),  # sleep counts once: 3
    case("qids_sr16", "3 0 0 0 3 0 0 0 0 0 0 0 0 0 0 0", 6, "mild"),
    case("qids_sr16", "3 3 3 3 3 3 3 3 3 1 0 0 0 0 0 0", 10, "mild"),  # weight counts once
    case("qids_sr16", "3 3 3 3 3 3 3 3 3 1 1 0 0 0 0 0", 11, "moderate"),
    case("qids_sr16", "3 0 0 0 3 0 0 0 3 3 3 0 0 0 0 0", 15, "moderate"),
    case("qids_sr16", "3 0 0 0 3 0 0 0 3 3 3 0 1 0 0 0", 16, "severe"),
    case("qids_sr16", "3 0 0 0 3 0 0 0 3 3 3 0 3 2 0 0", 20, "severe"),
    case("qids_sr16", "3 0 0 0 3 0 0 0 3 3 3 0 3 3 0 0", 21, "very_severe"),
    case("qids_sr16", "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3", 27, "very_severe", flags=SUI),
    case("qids_sr16", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 2 3", 3, "none"),  # psychomotor: max 3
    case("qids_sr16", "0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0", 1, "none"),
    case("qids_sr16", "0 0 0 0 0 0 0 0 0 0 0 2 0 0 0 0", 2, "none", flags=SUI),
    # HAM-D17: items 1-3, 7-11, 15 rated 0-4, items 4-6, 12-14, 16, 17 rated 0-2, total 0-52
    # [@hamilton-1960]; cut-offs 17 and 24 [@zimmerman-2013], 0-7 normal (the <= 7 remission
    # convention, UNCONFIRMED, labelled). Item 3 at 2 or above flags suicidality (INSTITUTIONAL
    # cut-off at the item's ideation anchor [@hamilton-1960]).
    case("hamd17", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 0, "normal"),
    case("hamd17", "1 1 0 1 1 1 1 1 0 0 0 0 0 0 0 0 0", 7, "normal"),
    case("hamd17", "1 1 0 1 1 1 1 1 1 0 0 0 0 0 0 0 0", 8, "mild"),
    case("hamd17", "2 2 0 2 2 2 2 2 2 0 0 0 0 0 0 0 0", 16, "mild"),
    case("hamd17", "2 2 0 2 2 2 2 2 2 1 0 0 0 0 0 0 0", 17, "moderate"),
    case("hamd17", "3 3 0 2 2 2 3 2 2 2 2 0 0 0 0 0 0", 23, "moderate"),
    case("hamd17", "3 3 0 2 2 2 3 2 2 2 2 1 0 0 0 0 0", 24, "severe"),
    case("hamd17", "4 4 4 2 2 2 4 4 4 4 4 2 2 2 4 2 2", 52, "severe", flags=SUI),
    case("hamd17", "0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 1, "normal"),
    case("hamd17", "0 0 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 2, "normal", flags=SUI),
    # C-SSRS screener: Q1-Q6 and the Q6 "within 3 months" follow-up, each 0/1; no total.
    # Columbia triage [@posner-2011]: Q4 or Q5, or behaviour within 3 months = high; Q3, or
    # behaviour longer ago = moderate; Q1/Q2 only = low. Any risk flags suicidality.
    case("cssrs_screener", "0 0 0 0 0 0 0", None, risk="none"),
    case("cssrs_screener", "1 0 0 0 0 0 0", None, flags=SUI, risk="low"),
    case("cssrs_screener", "0 1 0 0 0 0 0", None, flags=SUI, risk="low"),
    case("cssrs_screener", "1 1 1 0 0 0 0", None, flags=SUI, risk="moderate"),
    case("cssrs_screener", "0 0 0 0 0 1 0", None, flags=SUI, risk="moderate"),
    case("cssrs_screener", "1 1 0 1 0 0 0", None, flags=SUI, risk="high"),
    case("cssrs_screener", "1 1 1 1 1 0 0", None, flags=SUI, risk="high"),
    case("cssrs_screener", "0 0 0 0 0 1 1", None, flags=SUI, risk="high"),
    # PCL-5: 20 items 0-4, total 0-80; DSM-5 clusters B 1-5, C 6-7, D 8-14, E 15-20
    # [@blevins-2015]. No bands: only a probable-PTSD cut-off range, left to the clinic.
    case("pcl5", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 0,
         sub={"B": 0, "C": 0, "D": 0, "E": 0}),
    case("pcl5", "0 0 0 0 1 2 0 3 0 0 0 0 0 1 4 0 0 0 0 2", 13,
         sub={"B": 1, "C": 2, "D": 4, "E": 6}),
    case("pcl5", "4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4", 80,
         sub={"B": 20, "C": 8, "D": 28, "E": 24}),
    # Y-BOCS: 10 items 0-4 (obsessions 1-5, compulsions 6-10, subtotals 0-20), total 0-40;
    # bands 0-7 / 8-15 / 16-23 / 24-31 / 32-40 [@goodman-1989].
    ybocs("0 0 0 0 0 0 0 0 0 0", 0, "subclinical"),
    ybocs("2 2 2 1 0 0 0 0 0 0", 7, "subclinical"),
    ybocs("2 2 2 1 0 1 0 0 0 0", 8, "mild"),
    ybocs("2 2 2 2 2 1 1 1 1 1", 15, "mild"),
    ybocs("2 2 2 2 2 2 1 1 1 1", 16, "moderate"),
    ybocs("3 3 3 3 3 2 2 2 1 1", 23, "moderate"),
    ybocs("3 3 3 3 3 2 2 2 2 1", 24, "severe"),
    ybocs("4 4 4 3 3 3 3 3 2 2", 31, "severe"),
    ybocs("4 4 4 3 3 3 3 3 3 2", 32, "extreme"),
    ybocs("4 4 4 4 4 4 4 4 4 4", 40, "extreme"),
    # YMRS: 11 items; 5, 6, 8, 9 rated 0-8, the others 0-4; total 0-60 [@young-1978]. Bands on
    # whole totals from the 2021 post-hoc analysis: 0-11 / 12-20 / 21-60 (editable).
    case("ymrs", "0 0 0 0 0 0 0 0 0 0 0", 0, "non_manic"),
    case("ymrs", "4 4 3 0 0 0 0 0 0 0 0", 11, "non_manic"),
    case("ymrs", "4 4 4 0 0 0 0 0 0 0 0", 12, "hypomanic"),
    case("ymrs", "4 4 4 4 4 0 0 0 0 0 0", 20, "hypomanic"),
    case("ymrs", "4 4 4 4 5 0 0 0 0 0 0", 21, "manic"),
    case("ymrs", "4 4 4 4 8 8 4 8 8 4 4", 60, "manic"),
    # BPRS-18: 18 items 1-7, total 18-126; positive subscale = items 4, 11, 12, 15 in the
    # Overall & Gorham order [@overall-gorham-1962]. No bands.
    case("bprs18", " ".join(["1"] * 18), 18, sub={"positive": 4}),
    case("bprs18", "1 1 1 7 1 1 1 1 1 5 7 7 5 1 7 1 1 1", 50, sub={"positive": 28}),
    case("bprs18", " ".join(["7"] * 18), 126, sub={"positive": 28}),
    # CADSS: the 23 subjective items 0-4, total 0-92 [@bremner-1998]. No bands.
    case("cadss", " ".join(["0"] * 23), 0),
    case("cadss", " ".join(["1"] * 23), 23),
    case("cadss", " ".join(["4"] * 23), 92),
    # MOAA/S: one level 0-5 [@chernik-1990]; 0 = loss of consciousness [@spravato-uspi §5].
    case("moaas", "0", 0, "loss_of_consciousness"),
    case("moaas", "1", 1, "responds_to_trapezius_squeeze"),
    case("moaas", "2", 2, "responds_to_prodding"),
    case("moaas", "3", 3, "responds_to_loud_voice"),
    case("moaas", "4", 4, "lethargic"),
    case("moaas", "5", 5, "alert"),
    # Modified Aldrete: 5 items 0-2, total 0-10; phase-I discharge at 9 or more [@aldrete-1995]
    # (INSTITUTIONAL, editable).
    case("aldrete", "0 0 0 0 0", 0, "not_fit_for_discharge"),
    case("aldrete", "2 2 2 1 1", 8, "not_fit_for_discharge"),
    case("aldrete", "2 2 2 2 1", 9, "fit_for_discharge"),
    case("aldrete", "2 2 2 2 2", 10, "fit_for_discharge"),
    # PADSS: 5 items 0-2, total 0-10; 9 or more = fit for discharge [@chung-1995].
    case("padss", "0 0 0 0 0", 0, "not_fit_for_discharge"),
    case("padss", "1 2 2 2 1", 8, "not_fit_for_discharge"),
    case("padss", "2 2 2 2 1", 9, "fit_for_discharge"),
    case("padss", "2 2 2 2 2", 10, "fit_for_discharge"),
    # AUDIT: 10 items, 1-8 rated 0-4, 9 and 10 rated 0, 2 or 4; total 0-40; WHO zones I 0-7,
    # II 8-15, III 16-19, IV 20-40 [@babor-2001].
    case("audit", "0 0 0 0 0 0 0 0 0 0", 0, "zone_1"),
    case("audit", "2 1 1 1 1 1 0 0 0 0", 7, "zone_1"),
    case("audit", "2 1 1 1 1 0 0 0 0 2", 8, "zone_2"),
    case("audit", "3 3 3 2 2 0 0 0 2 0", 15, "zone_2"),
    case("audit", "4 3 3 2 2 0 0 0 2 0", 16, "zone_3"),
    case("audit", "4 4 4 2 1 0 0 0 4 0", 19, "zone_3"),
    case("audit", "4 4 4 2 2 0 0 0 4 0", 20, "zone_4"),
    case("audit", "4 4 4 4 4 4 4 4 4 4", 40, "zone_4"),
    # AUDIT-C: AUDIT items 1-3, total 0-12; positive at 4 or more for men, 3 or more for women
    # [@bradley-2007]; a sex other than male or female gets the stricter (women's) cut-off.
    case("audit_c", "male 0 0 0", 0, screen=screen(False, men(4))),
    case("audit_c", "male 1 1 1", 3, screen=screen(False, men(4))),
    case("audit_c", "male 2 1 1", 4, flags=["audit_c_positive"], screen=screen(True, men(4))),
    case("audit_c", "female 1 1 0", 2, screen=screen(False, women(3))),
    case("audit_c", "female 1 1 1", 3, flags=["audit_c_positive"], screen=screen(True, women(3))),
    case("audit_c", "1 1 0", 2, screen=screen(False, unknown("unknown"))),
    case("audit_c", "1 1 1", 3, flags=["audit_c_positive"],
         screen=screen(True, unknown("unknown"))),
    case("audit_c", "other 1 1 1", 3, flags=["audit_c_positive"],
         screen=screen(True, unknown("other"))),
    case("audit_c", "male 4 4 4", 12, flags=["audit_c_positive"], screen=screen(True, men(4))),
    # CGI-S and CGI-I: one rating 1-7, the band is the rating's label [@guy-1976].
    *(case("cgi_s", str(n), n, band) for n, band in enumerate(
        ["normal", "borderline", "mildly_ill", "moderately_ill", "markedly_ill",
         "severely_ill", "extremely_ill"], 1)),
    *(case("cgi_i", str(n), n, band) for n, band in enumerate(
        ["very_much_improved", "much_improved", "minimally_improved", "no_change",
         "minimally_worse", "much_worse", "very_much_worse"], 1)),
    # HAM-A: 14 items 0-4, total 0-56; 0-17 mild, 18-24 mild to moderate, 25-30 moderate to
    # severe [@hamilton-1959]; above 30 "severe" is an UNCONFIRMED, labelled default.
    case("hama", "4 4 4 4 1 0 0 0 0 0 0 0 0 0", 17, "mild"),
    case("hama", "4 4 4 4 2 0 0 0 0 0 0 0 0 0", 18, "mild_to_moderate"),
    case("hama", "4 4 4 4 4 4 0 0 0 0 0 0 0 0", 24, "mild_to_moderate"),
    case("hama", "4 4 4 4 4 4 1 0 0 0 0 0 0 0", 25, "moderate_to_severe"),
    case("hama", "4 4 4 4 4 4 4 2 0 0 0 0 0 0", 30, "moderate_to_severe"),
    case("hama", "4 4 4 4 4 4 4 3 0 0 0 0 0 0", 31, "severe"),
    # ICSI: 4 items 0-5, total 0-20 [@oleary-1997]; positive screen at 5 or more
    # [@clemons-2002] (editable).
    case("icsi", "1 1 1 1", 4, "screen_negative"),
    case("icsi", "2 1 1 1", 5, "screen_positive"),
    case("icsi", "5 5 5 5", 20, "screen_positive"),
    # Entered totals: CDRS-R 17-113 [@poznanski-1996], CAPS-5 0-80 [@weathers-2018].
    case("cdrs_r", "17", 17), case("cdrs_r", "113", 113),
    case("caps5", "0", 0), case("caps5", "80", 80),
    # TLFB: percent heavy drinking days; heavy = 5 or more drinks for men, 4 or more for women
    # [@niaaa-drinking-levels] on a daily calendar [@sobell-1992].
    tlfb("male", "4 5 0 0", 25, 1, 2, 50),
    tlfb("female", "4 5 0 0", 50, 2, 2, 50),
]
# fmt: on


@pytest.mark.parametrize("code,argv,expected", CASES)
def test_json_follows_the_published_scoring(capsys, code, argv, expected) -> None:
    status, out, err = _run(capsys, code, *argv, "--json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert data == {"instrument": code, "version": load_definition(code).version, **expected}
    assert list(data) == KEYS + (["screen"] if "screen" in expected else [])


# fmt: off
# (code, answers, the item the error names, its allowed values as the error says them)
REFUSED = [
    ("phq9", "4 0 0 0 0 0 0 0 0", "phq9_1", "one of 0, 1, 2, 3"),  # 0-3 [@kroenke-2001]
    ("phq9", "0 0 0 0 0 0 0 0 -1", "phq9_9", "one of 0, 1, 2, 3"),
    ("phq9", "0 0 0 0 0 0 0 0 1.5", "phq9_9", "one of 0, 1, 2, 3"),
    ("phq9", "0 0 '' 0 0 0 0 0 0", "phq9_3", "one of 0, 1, 2, 3"),  # a blank answer
    ("phq9", "0 0 0 0 0 0 0 0", "phq9_9", "one of 0, 1, 2, 3"),  # missing: no prorating
    ("phq9", "0 0 0 0 0 0 0 0 0 0", "phq9_9", "one of 0, 1, 2, 3"),  # one answer too many
    ("gad7", "0 0 0 0 0 0 4", "gad7_7", "one of 0, 1, 2, 3"),  # 0-3 [@spitzer-2006]
    ("madrs", "7 0 0 0 0 0 0 0 0 0", "madrs_1", "one of 0, 1, 2, 3, 4, 5, 6"),  # [@montgomery-1979]
    ("qids_sr16", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4", "qids_sr16_16", "one of 0, 1, 2, 3"),
    # HAM-D17 items keep their own ranges, 0-4 or 0-2 [@hamilton-1960].
    ("hamd17", "5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "hamd17_1", "one of 0, 1, 2, 3, 4"),
    ("hamd17", "0 0 0 3 0 0 0 0 0 0 0 0 0 0 0 0 0", "hamd17_4", "one of 0, 1, 2"),
    ("hamd17", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 3", "hamd17_17", "one of 0, 1, 2"),
    # C-SSRS skip logic: no to Q2 skips Q3-Q5; no to Q6 skips its follow-up [@posner-2011].
    ("cssrs_screener", "0 0 1 0 0 0 0", "cssrs_q3", "must be 0 when cssrs_q2 is 0"),
    ("cssrs_screener", "0 0 0 0 0 0 1", "cssrs_q6_recent", "must be 0 when cssrs_q6 is 0"),
    ("cssrs_screener", "0 0 0 0 0 0", "cssrs_q6_recent", "one of 0, 1"),
    ("cssrs_screener", "2 0 0 0 0 0 0", "cssrs_q1", "one of 0, 1"),
    ("pcl5", " ".join(["0"] * 19 + ["5"]), "pcl5_20", "one of 0, 1, 2, 3, 4"),  # [@blevins-2015]
    ("ybocs", "0 0 0 0 0 0 0 0 0 5", "ybocs_10", "one of 0, 1, 2, 3, 4"),  # [@goodman-1989]
    ("ymrs", "5 0 0 0 0 0 0 0 0 0 0", "ymrs_1", "one of 0, 1, 2, 3, 4"),  # [@young-1978]
    ("ymrs", "0 0 0 0 9 0 0 0 0 0 0", "ymrs_5", "one of 0, 1, 2, 3, 4, 5, 6, 7, 8"),
    ("bprs18", " ".join(["0"] + ["1"] * 17), "bprs18_1", "one of 1, 2, 3, 4, 5, 6, 7"),
    ("bprs18", " ".join(["1"] * 17 + ["8"]), "bprs18_18", "one of 1, 2, 3, 4, 5, 6, 7"),
    ("cadss", " ".join(["0"] * 22 + ["5"]), "cadss_23", "one of 0, 1, 2, 3, 4"),  # [@bremner-1998]
    ("moaas", "6", "moaas_level", "one of 0, 1, 2, 3, 4, 5"),  # [@chernik-1990]
    ("aldrete", "0 0 0 0 3", "aldrete_5", "one of 0, 1, 2"),  # [@aldrete-1995]
    ("padss", "3 0 0 0 0", "padss_1", "one of 0, 1, 2"),  # [@chung-1995]
    ("audit", "0 0 0 0 0 0 0 0 1 0", "audit_9", "one of 0, 2, 4"),  # [@babor-2001]
    ("audit", "0 0 0 0 0 0 0 0 0 3", "audit_10", "one of 0, 2, 4"),
    ("audit_c", "male 5 0 0", "audit_c_1", "one of 0, 1, 2, 3, 4"),  # [@bradley-2007]
    ("cgi_s", "0", "cgi_s_rating", "one of 1, 2, 3, 4, 5, 6, 7"),  # [@guy-1976]: 0 = not assessed
    ("cgi_i", "8", "cgi_i_rating", "one of 1, 2, 3, 4, 5, 6, 7"),
    ("hama", " ".join(["0"] * 13 + ["5"]), "hama_14", "one of 0, 1, 2, 3, 4"),  # [@hamilton-1959]
    ("icsi", "0 0 0 6", "icsi_4", "a whole number from 0 to 5"),  # [@oleary-1997]
    ("cdrs_r", "16", "cdrs_r_total", "a whole number from 17 to 113"),  # [@poznanski-1996]
    ("caps5", "81", "caps5_total", "a whole number from 0 to 80"),  # [@weathers-2018]
]
# fmt: on


@pytest.mark.parametrize("code,answers,item_id,allowed", REFUSED, ids=lambda v: str(v))
def test_bad_answers_are_refused_naming_the_item(capsys, code, answers, item_id, allowed) -> None:
    argv = ["" if a == "''" else a for a in answers.split()]
    status, out, err = _run(capsys, code, *argv, "--json")
    assert (status, out) == (2, "")
    assert re.search(rf"\b{item_id}\b", err) and allowed in err, err


def test_audit_zones_are_the_who_manuals_not_labelled_unconfirmed() -> None:
    # The WHO manual's zones I-IV [@babor-2001] are confirmed: the definition shows them as
    # published bands, not as labelled, unconfirmed defaults.
    audit = load_definition("audit")
    banding = audit.banding
    assert [(b.label, b.min, b.max) for b in banding.bands] == [
        ("Zone I (0-7)", 0, 7), ("Zone II (8-15)", 8, 15),
        ("Zone III (16-19)", 16, 19), ("Zone IV (20-40)", 20, 40),
    ]  # fmt: skip
    assert "[@babor-2001]" in banding.source and banding.evidence == "PSYCHOMETRIC"
    assert "UNCONFIRMED" not in json.dumps(definition_content("audit"))
