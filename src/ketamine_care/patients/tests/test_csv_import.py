"""Importing patients from CSV: the page's preview names each invalid row and column and
imports nothing until every row is valid or the user skips the invalid ones; the command
checks the same way and exits 2; an import is all or nothing, and audited."""

from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.patients.csv_import import parse_patients_csv
from ketamine_care.patients.imports import check_against_clinic, import_patients
from ketamine_care.patients.models import Patient
from ketamine_care.testing.base import ClinicTestCase

HEADER = "mrn,given_name,family_name,date_of_birth,sex,phone,email\n"
GOOD = HEADER + "CSV-1,Ada,Lovelace,1980-12-10,female,,ada@example.org\n"
GOOD += "CSV-2,Alan,Turing,1972-06-23,male,555-0100,\n"
BAD = GOOD + "CSV-3,Grace,Hopper,1906-13-09,female,,\n" + "CSV-1,Dup,Licate,1990-01-01,male,,\n"


class ParseTests(ClinicTestCase):
    def test_errors_name_the_row_and_the_column(self):
        preview = parse_patients_csv(BAD)
        self.assertEqual(len(preview.valid_rows), 2)
        lines = preview.error_lines()
        self.assertIn("row 4, date_of_birth: Enter a valid date.", lines)
        self.assertIn("row 5, mrn: The same MRN as row 2.", lines)

    def test_a_bad_header_is_a_problem_with_the_file(self):
        self.assertIn(
            "missing column family_name, date_of_birth, sex",
            parse_patients_csv("mrn,given_name\n").problem,
        )
        text = HEADER.strip() + ",shoe_size\n"
        self.assertIn("unknown column shoe_size", parse_patients_csv(text).problem)

    def test_the_clinic_rules_apply_without_writing(self):
        preview = check_against_clinic(
            clinic=self.clinic,
            actor=self.prescriber,
            preview=parse_patients_csv(HEADER + f"{self.patient.mrn},A,B,1980-01-01,male,,\n"),
        )
        self.assertIn("mrn", preview.rows[0].errors)
        self.assertEqual(Patient.objects.filter(clinic=self.clinic).count(), 1)


class ImportServiceTests(ClinicTestCase):
    def test_invalid_rows_block_the_whole_import_unless_skipped(self):
        preview = parse_patients_csv(BAD)
        with self.assertRaises(ValidationFailed):
            import_patients(clinic=self.clinic, actor=self.prescriber, preview=preview)
        self.assertFalse(Patient.objects.filter(mrn__startswith="CSV").exists())
        patients = import_patients(
            clinic=self.clinic, actor=self.prescriber, preview=preview, skip_invalid=True
        )
        self.assertEqual({p.mrn for p in patients}, {"CSV-1", "CSV-2"})
        event = AuditEvent.objects.get(event_type="patients.imported")
        self.assertEqual(event.changes["count"], 2)
        self.assertEqual(event.changes["skipped_rows"], [4, 5])
        self.assertEqual(
            AuditEvent.objects.filter(event_type="patient.registered", clinic=self.clinic).count(),
            3,
        )

    def test_a_row_that_fails_at_import_undoes_every_row(self):
        preview = parse_patients_csv(GOOD + f"{self.patient.mrn},X,Y,1980-01-01,male,,\n")
        with self.assertRaises(ValidationFailed):
            import_patients(clinic=self.clinic, actor=self.prescriber, preview=preview)
        self.assertFalse(Patient.objects.filter(mrn__startswith="CSV").exists())


class ImportPageTests(ClinicTestCase):
    def post(self, user, **data):
        return self.client_for(user).post("/patients/import/", data)

    def test_preview_then_import(self):
        upload = SimpleUploadedFile("p.csv", GOOD.encode(), content_type="text/csv")
        response = self.post(self.front_desk, file=upload)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "2 valid rows, 0 with errors")
        self.assertFalse(Patient.objects.filter(mrn__startswith="CSV").exists())
        response = self.post(self.front_desk, csv_text=GOOD, confirm="True")
        self.assertRedirects(response, "/patients/", fetch_redirect_response=False)
        self.assertEqual(Patient.objects.filter(mrn__startswith="CSV").count(), 2)

    def test_invalid_rows_are_shown_and_need_the_skip_choice(self):
        upload = SimpleUploadedFile("p.csv", BAD.encode(), content_type="text/csv")
        response = self.post(self.front_desk, file=upload)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "date_of_birth: Enter a valid date.", status_code=422)
        self.assertContains(response, "Skip the 2 invalid rows", status_code=422)
        response = self.post(self.front_desk, csv_text=BAD, confirm="True")
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Nothing was imported", status_code=422)
        self.assertFalse(Patient.objects.filter(mrn__startswith="CSV").exists())
        response = self.post(self.front_desk, csv_text=BAD, confirm="True", skip_invalid="on")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Patient.objects.filter(mrn__startswith="CSV").count(), 2)

    def test_a_role_without_registration_may_not_import(self):
        self.assertEqual(self.post(self.therapist, csv_text=GOOD, confirm="True").status_code, 403)


class ImportCommandTests(ClinicTestCase):
    def run_command(self, text: str, *flags: str) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "patients.csv"
            path.write_text(text)
            out, err = StringIO(), StringIO()
            args = ["--clinic", str(self.clinic.public_id), "--actor", self.prescriber.email]
            call_command("import-patients", str(path), *args, *flags, stdout=out, stderr=err)
            return out.getvalue() + err.getvalue()

    def test_invalid_rows_exit_2_and_import_nothing(self):
        with self.assertRaises(CommandError) as caught:
            self.run_command(BAD)
        self.assertEqual(caught.exception.returncode, 2)
        self.assertFalse(Patient.objects.filter(mrn__startswith="CSV").exists())

    def test_valid_rows_import_and_skip_invalid_skips(self):
        self.assertIn("would be imported", self.run_command(GOOD, "--dry-run"))
        self.assertFalse(Patient.objects.filter(mrn__startswith="CSV").exists())
        output = self.run_command(BAD, "--skip-invalid")
        self.assertIn("row 4, date_of_birth", output)
        self.assertIn("imported 2 patients, skipped 2 rows", output)
