"""Method-specific scoring rules stated by each scale's cited source."""

from __future__ import annotations

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.scoring import score


def test_phq9_item9_flags_suicidality_whatever_the_total() -> None:
    result = score(load_definition("phq9"), [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert (result.total, result.band, result.flags) == (1, "minimal", ("suicidality",))


def test_phq9_without_item9_raises_no_flag_even_when_severe() -> None:
    result = score(load_definition("phq9"), [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert (result.band, result.flags) == ("severe", ())


def test_qids_sums_domain_maxima_not_all_sixteen_items() -> None:
    result = score(load_definition("qids_sr16"), [2] * 16)
    assert result.total == 18  # nine domains x 2, not 32


def test_ybocs_reports_obsessions_and_compulsions_subtotals() -> None:
    result = score(load_definition("ybocs"), [4, 4, 4, 4, 4, 1, 0, 0, 0, 0])
    assert result.subscales == {"obsessions": 20, "compulsions": 1}


def test_pcl5_reports_the_four_dsm5_clusters() -> None:
    answers = [1] * 5 + [2] * 2 + [3] * 7 + [4] * 6
    result = score(load_definition("pcl5"), answers)
    assert result.subscales == {"B": 5, "C": 4, "D": 21, "E": 24}
    assert result.total == 54


def test_bprs_positive_subscale_uses_the_four_named_items() -> None:
    answers = [1] * 18
    for position in (4, 11, 12, 15):  # conceptual disorg., suspiciousness, halluc., unusual thought
        answers[position - 1] = 3
    assert score(load_definition("bprs18"), answers).subscales == {"positive": 12}


def test_single_ratings_band_as_their_own_label() -> None:
    assert score(load_definition("cgi_s"), [4]).band == "moderately_ill"
    assert score(load_definition("cgi_i"), [2]).band == "much_improved"
    assert score(load_definition("moaas"), [0]).band == "loss_of_consciousness"


def test_entered_total_is_passed_through() -> None:
    assert score(load_definition("cdrs_r"), ["41"]).total == 41


def test_string_and_float_answers_are_accepted_when_whole() -> None:
    assert score(load_definition("gad7"), ["1", 2.0, 1, 1, 1, 1, 1]).total == 8
