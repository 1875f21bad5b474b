"""The export button and the command: a researcher queues the export, the worker zips it, the
export's page shows it and the researcher downloads it (audited); other roles are refused
and another clinic answers 404; the command refuses an unknown project or a used folder."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from ketamine_care.accounts.models import Clinic
from ketamine_care.audit.models import AuditEvent
from ketamine_care.fhir.tests.test_bulk import run_worker
from ketamine_care.jobs.models import Export
from ketamine_care.research.models import ResearchProject
from ketamine_care.testing.base import ClinicTestCase, make_user


class ExportButtonTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = ResearchProject.objects.create(
            clinic=cls.clinic, name="Study A", slug="study-a", created_by=cls.medical_director
        )
        cls.url = f"/research/projects/{cls.project.public_id}/export/"

    def test_a_researcher_exports_and_downloads_the_zip(self):
        researcher = self.client_for(self.researcher)
        response = researcher.post(self.url)
        export = Export.objects.get(kind="research")
        page = f"/accounts/exports/{export.public_id}/"
        self.assertRedirects(response, page, fetch_redirect_response=False)
        self.assertContains(researcher.get(page), "Being prepared")
        run_worker()
        self.assertContains(researcher.get(page), "Ready")
        download = researcher.get(page + "download/")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download["Content-Type"], "application/zip")
        archive = zipfile.ZipFile(io.BytesIO(download.content))
        manifest = json.loads(archive.read("manifest.json"))
        self.assertEqual(manifest["project"], "study-a")
        self.assertIn("patients.parquet", archive.namelist())
        self.assertEqual(Export.objects.get().parameters["progress"]["step"], "manifest")
        for event_type in (
            "research_export.requested", "research_export.written", "export.downloaded"
        ):  # fmt: skip
            event = AuditEvent.objects.get(event_type=event_type)
            self.assertEqual(event.actor, self.researcher, event_type)

    def test_other_roles_and_other_clinics_cannot(self):
        self.assertEqual(self.client_for(self.nurse).post(self.url).status_code, 403)
        self.assertEqual(self.client_for(self.researcher).get(self.url).status_code, 405)
        outsider_clinic = Clinic.objects.get(pk=self.other_clinic.pk)
        researcher_elsewhere = make_user("r@elsewhere.clinic", outsider_clinic, "researcher")
        self.assertEqual(self.client_for(researcher_elsewhere).post(self.url).status_code, 404)
        self.client_for(self.researcher).post(self.url)
        export = Export.objects.get(kind="research")
        page = f"/accounts/exports/{export.public_id}/"
        self.assertEqual(self.client_for(researcher_elsewhere).get(page).status_code, 404)
        run_worker()
        download = self.client_for(researcher_elsewhere).get(page + "download/")
        self.assertEqual(download.status_code, 404)


class ExportCommandTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = ResearchProject.objects.create(
            clinic=cls.clinic, name="Study A", slug="study-a", created_by=cls.medical_director
        )

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def run_command(self, *args) -> str:
        out = StringIO()
        call_command("research-export", *args, stdout=out)
        return out.getvalue()

    def assertRefused(self, args, naming: str) -> None:
        with self.assertRaises(CommandError) as refused:
            self.run_command(*args)
        self.assertEqual(refused.exception.returncode, 2)
        self.assertIn(naming, str(refused.exception))

    def test_it_writes_the_export_into_a_new_folder(self):
        out = self.run_command("--project", "study-a", str(self.tmp / "new"))
        self.assertIn("exported study-a", out)
        self.assertTrue((self.tmp / "new" / "manifest.json").is_file())
        event = AuditEvent.objects.get(event_type="research_export.written")
        self.assertIsNone(event.actor)

    def test_it_refuses_an_unknown_project(self):
        self.assertRefused(["--project", "nope", str(self.tmp / "x")], "--project")
        self.assertFalse((self.tmp / "x").exists())

    def test_it_refuses_a_folder_that_is_not_empty_or_a_file(self):
        (self.tmp / "used").mkdir()
        (self.tmp / "used" / "keep.txt").write_text("mine", encoding="utf-8")
        self.assertRefused(["--project", "study-a", str(self.tmp / "used")], "PATH")
        self.assertEqual((self.tmp / "used" / "keep.txt").read_text(encoding="utf-8"), "mine")
        (self.tmp / "file").write_text("x", encoding="utf-8")
        self.assertRefused(["--project", "study-a", str(self.tmp / "file")], "PATH")

    def test_a_slug_in_two_clinics_needs_the_clinic(self):
        ResearchProject.objects.create(
            clinic=self.other_clinic, name="B", slug="study-a", created_by=self.outsider
        )
        self.assertRefused(["--project", "study-a", str(self.tmp / "x")], "--clinic")
        self.assertRefused(
            ["--project", "study-a", "--clinic", "not-a-uuid", str(self.tmp / "x")], "--clinic"
        )
        clinic = str(self.other_clinic.public_id)
        self.run_command("--project", "study-a", "--clinic", clinic, str(self.tmp / "x"))
        self.assertEqual(
            AuditEvent.objects.get(event_type="research_export.written").clinic,
            self.other_clinic,
        )
