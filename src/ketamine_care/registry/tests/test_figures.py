"""Small-cell suppression of every kind of figure, and the charts drawn from them (pure)."""

from __future__ import annotations

import pytest

from ketamine_care.registry import charts
from ketamine_care.registry.figures import (
    FEWER,
    bars,
    completeness_rows,
    curve,
    rate,
    safety_rows,
    shown,
)


def counts(n, n_p, k, k_p, no_p, column="response_3m"):
    return {
        f"{column}_n": n,
        f"{column}_n_p": n_p,
        f"{column}_k": k,
        f"{column}_k_p": k_p,
        f"{column}_no_p": no_p,
        f"{column}_no": n - k,
    }


@pytest.mark.parametrize(
    ("n_p", "k_p", "no_p", "suppressed"),
    [
        (20, 10, 10, False),
        (4, 2, 2, True),  # fewer than 5 analysable patients
        (20, 4, 16, True),  # 4 responders
        (20, 16, 4, True),  # 4 non-responders reveal the rest
        (20, 0, 20, False),  # an empty cell names no one
        (20, 20, 0, False),
        (0, 0, 0, False),  # nobody: no rate, nothing to hide
    ],
)
def test_a_rate_is_withheld_when_any_of_its_cells_is_small(n_p, k_p, no_p, suppressed):
    r = rate(counts(n_p, n_p, k_p, k_p, no_p), "response_3m", "", key="3m", label="3 months",
             measure="response")  # fmt: skip
    assert r.suppressed is suppressed
    if suppressed or n_p == 0:
        assert r.proportion is None and r.percent == "" and r.interval == ""
    else:
        assert r.proportion.k == k_p and r.proportion.n == n_p
    assert r.analysable == (FEWER if 0 < n_p < 5 else str(n_p))


def test_counts_print_fewer_than_five_never_the_number():
    assert [shown(c, c) for c in (0, 1, 4, 5, 12)] == ["0", FEWER, FEWER, "5", "12"]
    assert shown(7, 3) == FEWER  # seven courses of three patients: a small cell


def test_a_curve_of_fewer_than_five_patients_is_not_drawn():
    figure = curve([(10, True), (20, False), (30, True)], patients=3)
    assert figure.suppressed and figure.survival is None and figure.at_risk == ()
    assert charts.curve_chart(figure) is None
    assert curve([], patients=0).suppressed is False


def test_the_curve_stops_where_fewer_than_five_remain_at_risk():
    times = [(d, d % 20 == 0) for d in range(10, 130, 10)]  # 12 courses, days 10-120
    figure = curve(times, patients=12)
    # At day 90, 4 courses are still followed (90, 100, 110, 120): the curve ends at 80.
    assert figure.drawn_until == 80
    shown_at = {r.day: r.shown for r in figure.at_risk}
    assert shown_at[0] == "12" and shown_at[60] == "7" and shown_at[90] == FEWER
    chart = charts.curve_chart(figure)
    assert chart is not None and chart.path.startswith("50.0,10.0")


def test_histogram_bars_of_small_cells_are_hidden():
    rows = [{"bin": 0, "courses": 9, "patients": 8}, {"bin": 1, "courses": 3, "patients": 3}]
    made = bars(rows, 10, "points", "courses")
    assert [(b.label, b.count, b.shown) for b in made] == [
        ("0–10 points", 9, "9"),
        ("10–20 points", None, FEWER),
    ]
    chart = charts.histogram_chart(made)
    assert chart.bars[1].height == 0 and chart.bars[0].height == 150


def test_safety_and_completeness_rows_hide_small_protocols_and_small_event_cells():
    rows = [
        {"protocol_id": "a", "patients": 12, "sessions_held": 200, "events": 5,
         "event_patients": 5, "alerts": 2, "alert_patients": 2, "courses": 12},
        {"protocol_id": "b", "patients": 3, "sessions_held": 30, "events": 9,
         "event_patients": 3, "alerts": 0, "alert_patients": 0, "courses": 3},
    ]  # fmt: skip
    a, b = safety_rows(rows)
    assert (a.events_per_100, a.alerts_per_100) == ("2.5", FEWER + " patients")
    assert (b.patients, b.events_per_100) == (FEWER, FEWER + " patients")
    done = completeness_rows(
        [
            {"protocol_id": "a", "patients": 12, "courses": 12, "expected": 40, "received": 30,
             "analysable_n": 10, "analysable_p": 10},
            {"protocol_id": "b", "patients": 2, "courses": 2, "expected": 9, "received": 3,
             "analysable_n": 1, "analysable_p": 1},
        ]
    )  # fmt: skip
    assert (done[0].percent, done[0].analysable) == ("75 %", "10")
    assert (done[1].courses, done[1].expected, done[1].percent) == (FEWER, FEWER + " patients", "")


def test_rate_chart_keeps_a_row_for_a_withheld_rate():
    shown_rate = rate(counts(20, 20, 10, 10, 10), "response_3m", "", key="3m", label="3 months",
                      measure="response")  # fmt: skip
    hidden = rate(counts(20, 20, 2, 2, 18), "response_3m", "", key="6m", label="6 months",
                  measure="response")  # fmt: skip
    chart = charts.rate_chart([shown_rate, hidden])
    assert [b.suppressed for b in chart.bars] == [False, True]
    assert chart.bars[1].note == "fewer than 5 patients"
    first = chart.bars[0]
    assert first.low < first.x < first.high
    assert "95 % interval" in first.title


def test_every_definition_on_the_page_has_its_anchor_in_the_research_docs():
    from pathlib import Path

    from ketamine_care.registry.definitions import DEFINITIONS

    docs = Path(__file__).resolve().parents[4] / "docs" / "RESEARCH.md"
    text = docs.read_text(encoding="utf-8")
    assert "## Clinic outcomes dashboard" in text
    for key in DEFINITIONS:
        assert f'<a id="def-{key}"></a>' in text, key
