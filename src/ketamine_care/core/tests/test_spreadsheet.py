import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from django.test import SimpleTestCase

from ketamine_care.core import spreadsheet
from ketamine_care.inventory.report import report_csv


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


class EveryExportUsesTheSafeWriterTests(SimpleTestCase):
    def test_no_module_writes_csv_without_it(self):
        package = Path(spreadsheet.__file__).resolve().parents[1]
        offenders = [
            str(path.relative_to(package))
            for path in package.rglob("*.py")
            if "tests" not in path.parts
            and path.name != "spreadsheet.py"
            and re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
        ]
        self.assertEqual(offenders, [])

    def test_the_inventory_report_escapes_a_product_named_as_a_formula(self):
        product = SimpleNamespace(
            name='=HYPERLINK("http://x")',
            drug="ketamine",
            strength_display="50 mg/ml",
            ndc="@1",
        )
        lot = SimpleNamespace(product=product, lot_number="+L1", expiry_date=date(2030, 1, 1))
        row = SimpleNamespace(
            lot=lot,
            unit="ml",
            opening=Decimal("1"),
            received=0,
            drawn=0,
            wasted=0,
            transferred_out=0,
            adjusted=Decimal("-1"),
            closing=0,
            closing_mg=0,
        )
        lines = list(csv.reader(io.StringIO(report_csv(date(2030, 1, 1), [row]))))
        self.assertEqual(lines[1][1], '\'=HYPERLINK("http://x")')
        self.assertEqual(lines[1][4], "'@1")
        self.assertEqual(lines[1][5], "'+L1")
        self.assertEqual(lines[1][13], "-1")
