"""The research export end to end on a small seeded cohort: which patients are in it, that no
identifier, free text or real date reaches any file, that a patient's intervals survive
the shift, that Parquet and CSV agree and the manifest's checksums verify, and that
withdrawing consent removes the patient from the next export."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from ketamine_care.audit.models import AuditEvent
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.services import refresh_summaries
from ketamine_care.research.export import verify_export, write_export
from ketamine_care.research.export.run import TABLES
from ketamine_care.research.models import ResearchSubject
from ketamine_care.research.tests.export_fixtures import (
    AE_ACTION,
    AE_TEXT,
    OFFSET,
    PLAN_START,
    SECRETS,
    SEEDED_AT,
    consent,
    seed_cohort,
)
from ketamine_care.testing.base import ClinicTestCase


def _file_texts(folder: Path) -> dict[str, str]:
    """Every file as text; Parquet files as their decoded values (compressed bytes would hide
    a name from a plain search)."""
    texts = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            texts[path.name] = json.dumps(pq.read_table(path).to_pylist(), default=str)
        else:
            texts[path.name] = path.read_text(encoding="utf-8")
    return texts


class ResearchExportTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        seed_cohort(cls)

    def export(self) -> Path:
        folder = Path(tempfile.mkdtemp()) / "out"
        self.addCleanup(shutil.rmtree, folder.parent)
        self.manifest = write_export(self.project, folder, actor=self.researcher)
        return folder

    def rid(self, patient) -> str:
        return ResearchSubject.objects.get(project=self.project, patient=patient).research_id

    def rows(self, folder: Path, table: str) -> list[dict]:
        return pq.read_table(folder / f"{table}.parquet").to_pylist()

    def test_it_writes_every_file_with_only_consenting_patients(self):
        folder = self.export()
        expected = {f"{t.name}.{s}" for t in TABLES for s in ("parquet", "csv")}
        expected |= {"data_dictionary.json", "data_dictionary.md", "README.md", "manifest.json"}
        self.assertEqual({p.name for p in folder.iterdir()}, expected)
        ids = {row["research_id"] for row in self.rows(folder, "patients")}
        self.assertEqual(ids, {self.rid(p) for p in (self.star, *self.peers)})
        self.assertFalse(
            ResearchSubject.objects.filter(patient__in=[self.withdrawn, self.refused]).exists()
        )
        star = self.rid(self.star)
        for table in ("courses", "sessions", "doses", "vitals_summaries", "administrations",
                      "item_answers", "adverse_events"):  # fmt: skip
            with self.subTest(table=table):
                self.assertIn(star, {row["research_id"] for row in self.rows(folder, table)})
        answers = [r for r in self.rows(folder, "item_answers") if r["research_id"] == star]
        self.assertEqual(len(answers), 9)
        self.assertEqual(self.manifest.tables["patients"], 5)

    def test_no_identifier_free_text_or_real_date_reaches_any_file(self):
        folder = self.export()
        patients = [self.star, *self.peers]
        forbidden = [*SECRETS.values(), AE_TEXT, AE_ACTION, "Sam Escort", "Jamie", "Rivera"]
        forbidden += [p.mrn for p in patients] + [str(p.public_id) for p in patients]
        real_days = {PLAN_START, SEEDED_AT.date(), self.star.date_of_birth}
        real_days |= {p.date_of_birth for p in patients}
        forbidden += [d.isoformat() for d in real_days]
        forbidden += [f"{d:%m/%d/%Y}" for d in real_days]
        for name, text in _file_texts(folder).items():
            for secret in forbidden:
                with self.subTest(file=name, secret=secret):
                    self.assertNotIn(secret, text)

    def test_a_patients_intervals_survive_the_shift(self):
        folder = self.export()
        star = self.rid(self.star)
        course = next(r for r in self.rows(folder, "courses") if r["research_id"] == star)
        session = next(r for r in self.rows(folder, "sessions") if r["research_id"] == star)
        rating = next(r for r in self.rows(folder, "administrations") if r["research_id"] == star)
        self.assertEqual(course["start_date"], PLAN_START + timedelta(days=OFFSET))
        self.assertEqual(
            course["start_date"] - session["session_date"], PLAN_START - SEEDED_AT.date()
        )
        self.assertEqual(rating["administration_date"], session["session_date"])
        self.assertNotEqual(session["session_date"], SEEDED_AT.date())

    def test_parquet_and_csv_agree_and_the_manifest_verifies(self):
        folder = self.export()
        self.assertEqual(verify_export(folder), [])
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.assertEqual(manifest["project"], "rapid-response")
        self.assertEqual(manifest["columns"]["patients"], TABLES[0].names)
        self.assertIn("suppressed", manifest["deidentification"])
        for table in TABLES:
            with self.subTest(table=table.name):
                parquet = pq.read_table(folder / f"{table.name}.parquet")
                with (folder / f"{table.name}.csv").open(encoding="utf-8", newline="") as f:
                    rows = list(csv.reader(f))
                self.assertEqual(rows[0], table.names)
                self.assertEqual(len(rows) - 1, parquet.num_rows)
                self.assertEqual(manifest["tables"][table.name], parquet.num_rows)
                for line, values in zip(rows[1:], parquet.to_pylist(), strict=True):
                    self.assertEqual(line, [_csv_cell(values[n]) for n in table.names])

    def test_withdrawing_consent_removes_the_patient_from_the_next_export(self):
        first = self.export()
        star = self.rid(self.star)
        self.assertIn(star, {r["research_id"] for r in self.rows(first, "patients")})
        consent(self.star, self.prescriber, status="withdrawn")
        second = self.export()
        for table in TABLES:
            with self.subTest(table=table.name):
                self.assertNotIn(star, {r["research_id"] for r in self.rows(second, table.name)})

    def test_sessions_are_numbered_alike_in_every_table(self):
        folder = self.export()
        star = self.rid(self.star)
        sessions = [r for r in self.rows(folder, "sessions") if r["research_id"] == star]
        self.assertEqual([r["session_number"] for r in sessions], [1, 2])
        self.assertEqual([r["state"] for r in sessions], ["discharged", "scheduled"])
        self.assertEqual([r["course_number"] for r in sessions], [None, 1])
        self.assertEqual(sessions[1]["visit_number"], 1)
        self.assertEqual(sessions[1]["session_date"], PLAN_START + timedelta(days=OFFSET))
        for table in ("doses", "vitals_summaries", "adverse_events"):
            with self.subTest(table=table):
                rows = [r for r in self.rows(folder, table) if r["research_id"] == star]
                self.assertEqual([r["session_number"] for r in rows], [1])

    def test_outcomes_hold_only_analysable_courses(self):
        refresh_summaries(clinic=self.clinic)
        self.assertEqual(CourseSummary.objects.filter(clinic=self.clinic).count(), 5)
        CourseSummary.objects.filter(patient=self.star).update(analysable=True)
        folder = self.export()
        outcomes = self.rows(folder, "outcomes")
        self.assertEqual([r["research_id"] for r in outcomes], [self.rid(self.star)])
        self.assertEqual(outcomes[0]["course_number"], 1)
        self.assertEqual(outcomes[0]["protocol"], "iv-ketamine-trd")

    def test_the_export_is_audited_with_its_columns(self):
        self.export()
        event = AuditEvent.objects.get(event_type="research_export.written")
        self.assertEqual(event.actor, self.researcher)
        self.assertEqual(event.changes["project"], "rapid-response")
        self.assertEqual(event.changes["columns"]["doses"], TABLES[3].names)
        self.assertEqual(event.changes["rows"]["patients"], 5)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
