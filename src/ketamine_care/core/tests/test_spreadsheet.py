import csv
import io
from decimal import Decimal

from django.test import SimpleTestCase

from ketamine_care.core import spreadsheet


class SafeCellTests(SimpleTestCase):
    def test_formula_starts_get_an_apostrophe(self):
        for text in ("=1+1", "+1-1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\t=x", "\r=x"):
            with self.subTest(text=text):
                self.assertEqual(spreadsheet.safe_cell(text), "'" + text)

    def test_ordinary_text_and_numbers_stay(self):
        for value in ("Ketamine 50 mg/ml", "LOT-1=2", "", "-5", "+2.5", -3, Decimal("-1.5"), None):
            with self.subTest(value=value):
                self.assertEqual(spreadsheet.safe_cell(value), value)

    def test_writer_escapes_every_cell(self):
        out = io.StringIO()
        spreadsheet.writer(out).writerow(['=HYPERLINK("http://x")', "ok", Decimal("-2")])
        row = next(csv.reader(io.StringIO(out.getvalue())))
        self.assertEqual(row, ['\'=HYPERLINK("http://x")', "ok", "-2"])
