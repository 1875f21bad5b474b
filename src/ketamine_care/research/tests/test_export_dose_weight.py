"""The doses table says which weight each dose was calculated on: `weight_basis` and
`weight_used_kg`, appended after the existing columns, blank where the dose does not record
them (a dose recorded before the basis was kept). On SQLite the Python path writes the file,
on PostgreSQL the SQL path (test_export_sql.py checks that both write the same files).
Weights are test data."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

from ketamine_care.research.export import write_export
from ketamine_care.research.tests.export_fixtures import seed_cohort
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions.models import DoseAdministration

BEFORE = ["research_id", "session_number", "drug", "route", "dose_mg", "calculated_dose_mg",
          "weight_kg", "dose_mg_per_kg", "infusion_minutes"]  # fmt: skip


class DoseWeightBasisExportTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        seed_cohort(cls)
        cls.dose = DoseAdministration.objects.get(session=cls.session)

    def doses(self, basis, kg) -> tuple[list[dict], list[dict], Path]:
        """The star's dose recorded on `basis` and `kg`, exported: Parquet rows, CSV rows."""
        DoseAdministration.objects.filter(pk=self.dose.pk).update(
            weight_basis=basis, weight_used_kg=kg
        )
        folder = Path(tempfile.mkdtemp()) / "out"
        self.addCleanup(shutil.rmtree, folder.parent)
        write_export(self.project, folder, actor=self.researcher)
        with (folder / "doses.csv").open(encoding="utf-8") as f:
            text = list(csv.DictReader(f))
        return pq.read_table(folder / "doses.parquet").to_pylist(), text, folder

    def test_a_recorded_basis_and_its_weight_are_appended_columns(self):
        rows, text, folder = self.doses("ideal", Decimal("61.40"))
        self.assertEqual(list(rows[0]), [*BEFORE, "weight_basis", "weight_used_kg"])
        self.assertEqual(len(rows), 1)
        self.assertEqual((rows[0]["weight_basis"], rows[0]["weight_used_kg"]), ("ideal", 61.4))
        self.assertEqual((text[0]["weight_basis"], text[0]["weight_used_kg"]), ("ideal", "61.4"))
        # dose_mg_per_kg stays on the weight recorded at the pre-checks.
        self.assertEqual(
            rows[0]["dose_mg_per_kg"], round(rows[0]["dose_mg"] / rows[0]["weight_kg"], 3)
        )
        dictionary = json.loads((folder / "data_dictionary.json").read_text())
        table = next(t for t in dictionary["tables"] if t["name"] == "doses")
        described = {c["name"]: c for c in table["columns"]}
        self.assertEqual(described["weight_used_kg"]["unit"], "kg")
        self.assertEqual(described["weight_basis"]["code_system"], "project")

    def test_a_dose_without_a_recorded_basis_has_both_blank(self):
        rows, text, _ = self.doses(None, None)
        self.assertEqual((rows[0]["weight_basis"], rows[0]["weight_used_kg"]), (None, None))
        self.assertEqual((text[0]["weight_basis"], text[0]["weight_used_kg"]), ("", ""))
        self.assertIsNotNone(rows[0]["dose_mg"])
