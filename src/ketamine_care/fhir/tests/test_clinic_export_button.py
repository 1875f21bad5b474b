"""The administration page's button: a clinic administrator queues the clinic's complete
export; the worker zips it; the export's page downloads it (audited); other roles cannot."""

from __future__ import annotations

import io
import json
import zipfile

from ketamine_care.audit.models import AuditEvent
from ketamine_care.fhir.tests.test_bulk import run_worker
from ketamine_care.jobs.models import Export
from ketamine_care.testing.base import ClinicTestCase


class ClinicExportButtonTests(ClinicTestCase):
    def test_an_administrator_exports_the_clinic_and_downloads_the_zip(self):
        admin = self.client_for(self.clinic_admin)
        page = admin.get("/accounts/administration/")
        self.assertContains(page, 'id="clinic-export"')
        response = admin.post("/fhir/clinic-export/")
        export = Export.objects.get(kind="clinic")
        self.assertRedirects(
            response, f"/accounts/exports/{export.public_id}/", fetch_redirect_response=False
        )
        run_worker()
        download = admin.get(f"/accounts/exports/{export.public_id}/download/")
        self.assertEqual(download.status_code, 200)
        body = b"".join(download.streaming_content) if download.streaming else download.content
        archive = zipfile.ZipFile(io.BytesIO(body))
        manifest = json.loads(archive.read("manifest.json"))
        self.assertEqual(manifest["clinic"], str(self.clinic.public_id))
        patients = archive.read("fhir/Patient.ndjson").decode().splitlines()
        self.assertEqual(len(patients), 1)  # this clinic's one patient, never the other's
        self.assertIn(str(self.patient.public_id), patients[0])
        for event_type in ("clinic.export_requested", "clinic.exported", "export.downloaded"):
            self.assertTrue(AuditEvent.objects.filter(event_type=event_type).exists(), event_type)

    def test_other_roles_and_other_clinics_cannot(self):
        self.assertEqual(self.client_for(self.nurse).post("/fhir/clinic-export/").status_code, 403)
        self.client_for(self.clinic_admin).post("/fhir/clinic-export/")
        export = Export.objects.get(kind="clinic")
        outsider = self.client_for(self.outsider)
        self.assertEqual(outsider.get(f"/accounts/exports/{export.public_id}/").status_code, 404)
