"""Bulk Data `$export`: kick-off, polling, manifest, files, cancel, expiry, and the limits of
who may export what (system scope, the clinic's own Group, the requester's own export)."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from fhir.resources.R4B import get_fhir_model_class

from ketamine_care.audit.models import AuditEvent
from ketamine_care.fhir import bulk, bulk_rows
from ketamine_care.fhir.models import BulkExport, BulkStatus
from ketamine_care.fhir.tests.base import FhirTestCase
from ketamine_care.patients import services
from ketamine_care.testing.builders import make_patient


def run_worker() -> None:
    """`ketamine-care worker --batch` inside the test's transaction."""
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command(
            "worker", "--batch", "--no-startup-delay", "--verbosity", "0", stdout=StringIO()
        )


class BulkTestCase(FhirTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.system = cls.issue(cls.medical_director, scopes="system/*.read")
        cls.second = make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn="BULK-2")
        services.add_allergy(
            patient=cls.patient, actor=cls.prescriber, substance="Latex", reaction="", severity=""
        )

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        settings = override_settings(FHIR_BULK_DIR=self.dir)
        settings.enable()
        self.addCleanup(settings.disable)

    def call(self, path: str, token: str | None = None, method: str = "get", **extra):
        token = self.system if token is None else token
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_PREFER": "respond-async"}
        headers.update(extra)
        return getattr(Client(), method)(f"/fhir/R4/{path}", **headers)

    def kick_off(self, path: str = "$export", **extra) -> str:
        response = self.call(path, **extra)
        self.assertEqual(response.status_code, 202, response.content[:300])
        location = response["Content-Location"]
        self.assertIn("/fhir/R4/bulk/", location)
        return location.split("/fhir/R4/", 1)[1]

    def manifest(self, status_path: str) -> dict:
        run_worker()
        response = self.call(status_path)
        self.assertEqual(response.status_code, 200, response.content[:300])
        return response.json()

    def lines(self, url: str) -> list[dict]:
        response = self.call(url.split("/fhir/R4/", 1)[1])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/fhir+ndjson")
        body = b"".join(response.streaming_content).decode()
        return [json.loads(line) for line in body.splitlines()]


class ExportFlowTests(BulkTestCase):
    def test_system_export_polls_then_serves_valid_ndjson_files(self):
        status = self.kick_off()
        waiting = self.call(status)
        self.assertEqual(waiting.status_code, 202)
        self.assertEqual(waiting["X-Progress"], "queued")
        manifest = self.manifest(status)
        self.assertTrue(manifest["requiresAccessToken"])
        self.assertEqual(manifest["error"], [])
        by_type = {o["type"]: o for o in manifest["output"]}
        self.assertIn("Patient", by_type)
        patients = self.lines(by_type["Patient"]["url"])
        self.assertEqual(len(patients), by_type["Patient"]["count"])
        ids = {p["id"] for p in patients}
        self.assertEqual(ids, {str(self.patient.public_id), str(self.second.public_id)})
        self.assertNotIn(str(self.other_patient.public_id), ids)  # never another clinic's
        for output in manifest["output"]:
            for line in self.lines(output["url"]):
                get_fhir_model_class(line["resourceType"]).model_validate(line)
        events = AuditEvent.objects.filter(clinic=self.clinic)
        self.assertTrue(events.filter(event_type="fhir.export_requested").exists())
        self.assertTrue(events.filter(event_type="fhir.bulk_exported").exists())
        self.assertTrue(events.filter(event_type="fhir.export_downloaded").exists())

    def test_type_and_since_narrow_the_export(self):
        later = timezone.now() + timedelta(seconds=1)
        manifest = self.manifest(self.kick_off("$export?_type=Patient,AllergyIntolerance"))
        self.assertEqual([o["type"] for o in manifest["output"]], ["AllergyIntolerance", "Patient"])
        self.assertEqual([o["count"] for o in manifest["output"]], [1, 2])
        since = later.isoformat().replace("+00:00", "Z")
        manifest = self.manifest(self.kick_off(f"$export?_type=Patient&_since={since}"))
        self.assertEqual(manifest["output"][0]["count"], 0)

    def test_group_and_patient_level_cover_only_patient_data(self):
        group = self.kick_off(f"Group/{self.clinic.public_id}/$export")
        types = {o["type"] for o in self.manifest(group)["output"]}
        self.assertIn("Patient", types)
        patient = self.kick_off("Patient/$export?_type=Patient")
        self.assertEqual(self.manifest(patient)["output"][0]["count"], 2)

    def test_delete_cancels_and_the_files_are_gone(self):
        status = self.kick_off()
        self.assertEqual(self.call(status, method="delete").status_code, 202)
        run_worker()
        export = BulkExport.objects.get()
        self.assertEqual(export.status, BulkStatus.CANCELLED)
        self.assertEqual(self.call(status).status_code, 404)
        self.assertFalse((self.dir / str(export.public_id)).exists())
        self.assertEqual(self.call(status, method="delete").status_code, 404)

    def test_files_expire_after_the_setting(self):
        status = self.kick_off("$export?_type=Patient")
        manifest = self.manifest(status)
        export = BulkExport.objects.get()
        self.assertTrue((self.dir / str(export.public_id) / "Patient.ndjson").exists())
        BulkExport.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        file_path = manifest["output"][0]["url"].split("/fhir/R4/", 1)[1]
        self.assertEqual(self.call(file_path).status_code, 404)
        self.assertEqual(self.call(status).status_code, 404)
        self.assertFalse((self.dir / str(export.public_id)).exists())


class ProgressTests(BulkTestCase):
    def test_x_progress_is_a_percentage_of_the_counted_resources(self):
        status = self.kick_off("$export?_type=Patient")
        BulkExport.objects.update(status=BulkStatus.RUNNING, resources_total=3, resources_done=2)
        response = self.call(status)
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response["X-Progress"], "66% (2 of 3 resources)")
        BulkExport.objects.update(resources_total=None)
        self.assertEqual(self.call(status)["X-Progress"], "writing files")

    def test_the_worker_counts_saves_progress_and_stops_when_cancelled(self):
        self.kick_off("$export?_type=Patient,AllergyIntolerance")
        export = BulkExport.objects.get()
        progress = bulk.Progress(export, total=bulk_rows.count_rows(export))
        export.refresh_from_db()
        self.assertEqual((export.status, export.resources_total), (BulkStatus.RUNNING, 3))
        with mock.patch.object(bulk, "SAVE_PROGRESS_SECONDS", 0):
            progress.advance(2)
            export.refresh_from_db()
            self.assertEqual(export.resources_done, 2)
            BulkExport.objects.update(status=BulkStatus.CANCELLED)
            with self.assertRaises(bulk.Cancelled):
                progress.advance(1)

    def test_keyset_batches_of_one_row_write_the_same_files(self):
        files = []
        for size in (1, bulk_rows.CHUNK):
            with mock.patch.object(bulk_rows, "CHUNK", size):
                manifest = self.manifest(self.kick_off("$export?_type=Patient,AllergyIntolerance"))
            files.append([self.lines(o["url"]) for o in manifest["output"]])
        self.assertEqual(files[0], files[1])
        self.assertEqual([len(f) for f in files[0]], [1, 2])


class ExportRefusalTests(BulkTestCase):
    def test_kick_off_needs_prefer_respond_async_and_known_parameters(self):
        self.assert_outcome(self.call("$export", HTTP_PREFER=""), 400, "invalid")
        self.assert_outcome(self.call("$export?_type=Nonsense"), 400, "not-supported")
        self.assert_outcome(self.call("$export?_elements=id"), 400, "not-supported")
        self.assert_outcome(self.call("$export?_since=yesterday"), 400, "invalid")
        self.assert_outcome(self.call("$export?_outputFormat=text/csv"), 400, "not-supported")

    def test_a_user_scope_may_not_export_and_no_token_is_401(self):
        self.assert_outcome(self.call("$export", token=self.token), 403, "forbidden")
        self.assert_outcome(self.call("$export", token=""), 401, "login")

    def test_another_clinics_group_and_export_answer_404(self):
        other = self.issue(self.outsider, scopes="system/*.read")
        self.assert_outcome(
            self.call(f"Group/{self.other_clinic.public_id}/$export"), 404, "not-found"
        )
        status = self.kick_off()
        self.assert_outcome(self.call(status, token=other), 404, "not-found")
        self.assert_outcome(self.call(status, token=other, method="delete"), 404, "not-found")
        run_worker()
        manifest = self.call(status).json()
        file_path = manifest["output"][0]["url"].split("/fhir/R4/", 1)[1]
        self.assert_outcome(self.call(file_path, token=other), 404, "not-found")
        self.assert_outcome(self.call("bulk/not-a-uuid"), 404, "not-found")


class CapabilityTests(BulkTestCase):
    def test_the_capability_statement_lists_export_and_transaction(self):
        rest = self.call("metadata").json()["rest"][0]
        self.assertEqual(rest["interaction"], [{"code": "transaction"}])
        names = {op["name"] for op in rest["operation"]}
        self.assertEqual(names, {"export", "patient-export", "group-export"})
