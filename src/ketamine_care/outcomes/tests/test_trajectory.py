from datetime import datetime, timedelta

from django.test import SimpleTestCase

from ketamine_care.outcomes.trajectory import BOTTOM, LEFT, RIGHT, TOP, build_trajectory

T0 = datetime(2026, 1, 1, 9, 0)


class TrajectoryTests(SimpleTestCase):
    def test_points_span_the_plot_and_higher_totals_sit_higher(self):
        t = build_trajectory([(T0, 27, "a"), (T0 + timedelta(days=10), 0, "b")], (0, 27))
        (first, last) = t.points
        self.assertEqual((first.x, first.y, last.x, last.y), (LEFT, TOP, RIGHT, BOTTOM))
        self.assertEqual(t.polyline, "44.0,12.0 628.0,196.0")

    def test_bands_tile_the_range_without_gaps(self):
        bands = [("Minimal", 0, 4), ("Mild", 5, 9), ("Severe", 10, 27)]
        t = build_trajectory([(T0, 3, "a")], (0, 27), bands)
        edges = [(b.y, round(b.y + b.height, 1)) for b in t.bands]
        self.assertEqual(edges[0][1], BOTTOM)
        self.assertEqual(edges[-1][0], TOP)
        for lower, upper in zip(edges, edges[1:], strict=False):
            self.assertEqual(lower[0], upper[1])

    def test_reference_lines_and_a_single_point(self):
        t = build_trajectory([(T0, 10, "a")], (0, 20), lines=[(10, "Response", "response")])
        self.assertEqual(t.points[0].x, (LEFT + RIGHT) / 2)
        self.assertEqual(t.lines[0].y, (TOP + BOTTOM) / 2)
        self.assertEqual(len(t.x_ticks), 1)

    def test_dosing_sessions_inside_the_period_are_marked_with_their_time(self):
        start = datetime(2026, 1, 5, 9)
        points = [(start + timedelta(days=d), 30 - d, "") for d in range(0, 15, 7)]
        sessions = [start - timedelta(days=1), start + timedelta(days=3, hours=1),
                    start + timedelta(days=30)]  # fmt: skip
        t = build_trajectory(points, (0, 60), sessions=sessions)
        self.assertEqual(len(t.sessions), 1)
        self.assertTrue(LEFT < t.sessions[0].pos < RIGHT)
        self.assertIn("2026-01-08 10:00", t.sessions[0].label)
