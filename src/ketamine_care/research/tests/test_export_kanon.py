"""k-anonymity of the export: the class-count walk agrees with `deid.k_anonymise` row for row
and report for report, and on a crafted small cohort the written patients table holds k >= 5
with the report saying what was widened and how many patients were left out of every file."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.test import SimpleTestCase

from ketamine_care.core.clock import clinic_today
from ketamine_care.research import deid
from ketamine_care.research.export import write_export
from ketamine_care.research.export.cohort import QUASI_IDENTIFIERS
from ketamine_care.research.export.kanon import class_counts, k_anonymise_table
from ketamine_care.research.export.run import TABLES
from ketamine_care.research.models import ResearchProject, ResearchSubject
from ketamine_care.research.tests.export_fixtures import CONSENT, consent
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient

BANDS = ["20-24", "25-29", "30-34", "35-39", "60-64", "90+", None]
MONTHS = ["2025-01", "2025-02", "2025-04", "2025-11", "2026-03", None]


def _random_rows(seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "age_band": rng.choice(BANDS),
            "sex": rng.choice(["female", "male", "other"]),
            "protocol": rng.choice(["iv-ketamine-trd", "esketamine-trd-label", None]),
            "start_month": rng.choice(MONTHS),
        }
        for _ in range(rng.randint(0, 120))
    ]


def _as_table(rows: list[dict]) -> pa.Table:
    return pa.table({q: pa.array([r[q] for r in rows], pa.string()) for q in QUASI_IDENTIFIERS})


class ClassWalkAgreesWithDeidTests(SimpleTestCase):
    def test_same_rows_and_report_as_deid_on_random_cohorts(self):
        for seed in range(60):
            rows = _random_rows(seed)
            with self.subTest(seed=seed, rows=len(rows)):
                kept, expected = deid.k_anonymise(rows, QUASI_IDENTIFIERS, k=5)
                table, report = k_anonymise_table(_as_table(rows), QUASI_IDENTIFIERS, k=5)
                self.assertEqual(report, expected)
                ours = sorted(map(tuple, zip(*table.to_pydict().values(), strict=True)), key=str)
                theirs = sorted((tuple(r[q] for q in QUASI_IDENTIFIERS) for r in kept), key=str)
                self.assertEqual(ours, theirs)

    def test_every_class_left_has_at_least_k_rows(self):
        table, _ = k_anonymise_table(_as_table(_random_rows(7) * 2), QUASI_IDENTIFIERS, k=5)
        self.assertTrue(all(n >= 5 for n in class_counts(table, QUASI_IDENTIFIERS).values()))


class CraftedCohortTests(ClinicTestCase):
    """Six women of 30-34 and 35-39 (three each), one man of 72, none with a course yet."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = clinic_today(cls.clinic)
        ages = [31, 32, 33, 36, 37, 38]
        cls.women = [cls._patient(f"K-W{i}", age, "female", today) for i, age in enumerate(ages)]
        cls.man = cls._patient("K-M1", 72, "male", today)
        cls.project = ResearchProject.objects.create(
            clinic=cls.clinic, name="k", slug="k", consent_text_version=CONSENT,
            created_by=cls.medical_director,
        )  # fmt: skip

    @classmethod
    def _patient(cls, mrn: str, age: int, sex: str, today: date):
        born = date(today.year - age, today.month, 1)  # birthday this month already passed
        patient = make_patient(
            clinic=cls.clinic, actor=cls.prescriber, mrn=mrn, sex=sex, date_of_birth=born
        )
        consent(patient, cls.prescriber)
        return patient

    def test_it_widens_ages_then_suppresses_the_rare_patient_everywhere(self):
        folder = Path(tempfile.mkdtemp()) / "k"
        self.addCleanup(shutil.rmtree, folder.parent)
        manifest = write_export(self.project, folder)
        patients = pq.read_table(folder / "patients.parquet")
        self.assertEqual(patients.num_rows, 6)
        self.assertEqual(set(patients.column("age_band").to_pylist()), {"30-39"})
        self.assertTrue(all(n >= 5 for n in class_counts(patients, QUASI_IDENTIFIERS).values()))
        report = manifest.deidentification
        self.assertEqual(report["suppressed"], 1)
        self.assertEqual(report["rows_in"], 7)
        self.assertEqual(report["generalised"], ["start month to quarter", "age bands of 10 years"])
        self.assertEqual(report["smallest_class"], 6)
        stored = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.assertEqual(stored["deidentification"], report)
        readme = (folder / "README.md").read_text(encoding="utf-8")
        self.assertIn("Generalised: age bands of 10 years", readme)
        self.assertIn("Suppressed: 1 patient ", readme)
        gone = ResearchSubject.objects.get(project=self.project, patient=self.man).research_id
        for table in TABLES:
            for suffix in ("parquet", "csv"):
                path = folder / f"{table.name}.{suffix}"
                text = path.read_text(encoding="utf-8") if suffix == "csv" else ""
                if suffix == "parquet":
                    text = json.dumps(pq.read_table(path).to_pylist(), default=str)
                with self.subTest(file=path.name):
                    self.assertNotIn(gone, text)
