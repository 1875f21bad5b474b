"""The long-series tags (trajectory points, data-table rows) escape every value they print."""

from datetime import UTC, datetime
from types import SimpleNamespace

from django.template import Context, Template
from django.test import SimpleTestCase, override_settings

from ketamine_care.outcomes.templatetags.outcome_display import administration_rows, svg_points

HOSTILE = "<script>alert(\"x\")</script> & 'q'"
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;"


def administration(**overrides):
    values = {
        "administered_at": datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        "time_point": "baseline",
        "follow_up_day": None,
        "total": 14,
        "band": "moderate",
        "risk": "",
        "flags": [],
        "source": "clinician",
    }
    return SimpleNamespace(**{**values, **overrides})


@override_settings(TIME_ZONE="UTC")
class LongSeriesTagTests(SimpleTestCase):
    def test_a_row_renders_its_cells_in_order(self):
        row = administration_rows([administration(flags=["suicide_item"])])
        assert row == (
            '<tr><td>2025-03-04 09:30</td><td>Baseline</td><td class="num">14</td>'
            "<td>moderate</td><td>suicide item</td><td>Entered by a clinician</td></tr>"
        )

    def test_a_missing_total_a_follow_up_day_and_a_risk_level_are_shown(self):
        row = administration_rows(
            [administration(total=None, follow_up_day=7, band="", risk="high")]
        )
        assert '<td>Follow-up day 7</td><td class="num">—</td><td>risk high</td>' in row

    def test_hostile_values_in_every_text_cell_are_escaped(self):
        hostile = administration(
            time_point=HOSTILE, band="", risk=HOSTILE, flags=[HOSTILE], source=HOSTILE
        )
        row = administration_rows([hostile])
        assert "<script>" not in row
        assert row.count(ESCAPED) == 4

    def test_a_hostile_point_title_is_escaped_inside_the_svg(self):
        trajectory = SimpleNamespace(points=[SimpleNamespace(x=10.5, y=20, title=HOSTILE)])
        points = svg_points(trajectory)
        assert points == (
            f'<circle cx="10.5" cy="20" r="3" class="point"><title>{ESCAPED}</title></circle>'
        )

    def test_the_tags_output_is_not_escaped_twice_in_a_template(self):
        template = Template("{% load outcome_display %}{% administration_rows rows %}")
        html = template.render(Context({"rows": [administration(source=HOSTILE)]}))
        assert html.startswith("<tr><td>") and ESCAPED in html
