"""A clinic's complete export: every resource as NDJSON that validates, the audit chain with
its anchors, the ledger as CSV, checksums that catch a changed file; and the round trip:
export the demo clinic, restore it into an empty installation (a fresh database, migrated
by its own process), and find the same patients, administrations, sessions, doses with the
weight each was calculated on, and ledger balances there."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase
from fhir.resources.R4B import get_fhir_model_class

from ketamine_care.accounts.models import Clinic
from ketamine_care.audit.models import AuditEvent
from ketamine_care.demo.data import DEMO_CLINIC
from ketamine_care.fhir import registry
from ketamine_care.fhir.clinic_export import verify_export
from ketamine_care.patients.models import Patient
from ketamine_care.testing.demo_snapshot import load_demo_once
from ketamine_care.testing.migrated import migrated_postgres, migrated_sqlite_file

# What the round trip compares, computed the same way on both sides.
SUMMARY = """
import json
from django.db.models import Count
from ketamine_care.accounts.models import Clinic
from ketamine_care.instruments.models import Administration
from ketamine_care.inventory.models import LedgerEntry
from ketamine_care.patients.models import Patient
from ketamine_care.treatment_sessions.models import DoseAdministration, TreatmentSession
clinic = Clinic.objects.get(name={name!r})
last = {{}}
for e in LedgerEntry.objects.filter(clinic=clinic).order_by("pk"):
    last[str(e.lot.public_id)] = str(e.balance_after)
print(json.dumps({{
    "patients": sorted(str(p.public_id) for p in Patient.objects.filter(clinic=clinic)),
    "administrations": Administration.objects.filter(patient__clinic=clinic).count(),
    "sessions": TreatmentSession.objects.filter(clinic=clinic).count(),
    "doses": DoseAdministration.objects.filter(session__clinic=clinic).count(),
    "dose_weights": sorted(
        [d["weight_basis"] or "", str(d["weight_used_kg"]), d["n"]]
        for d in DoseAdministration.objects.filter(session__clinic=clinic)
        .values("weight_basis", "weight_used_kg").annotate(n=Count("pk"))
    ),
    "balances": last,
}}, sort_keys=True))
"""


def summary_here(name: str) -> dict:
    out = StringIO()
    namespace: dict = {}
    sys_stdout, sys.stdout = sys.stdout, out
    try:
        exec(SUMMARY.format(name=name), namespace)  # noqa: S102 - the test's own text
    finally:
        sys.stdout = sys_stdout
    return json.loads(out.getvalue())


class ClinicExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo_once()
        cls.clinic = Clinic.objects.get(name=DEMO_CLINIC)
        # The clinic is exported once for the class (the command walks every resource of the
        # demo clinic); each test works on a copy of that export of its own.
        exported = Path(tempfile.mkdtemp())
        cls.addClassCleanup(shutil.rmtree, exported, ignore_errors=True)
        out = StringIO()
        call_command("export-clinic", str(exported / "export"), "--clinic",
                     str(cls.clinic.public_id), stdout=out)  # fmt: skip
        cls.exported, cls.export_output = exported / "export", out.getvalue()

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.path = self.dir / "export"

    def export(self) -> dict:
        """The class's export of the demo clinic, copied to `self.path`; its manifest."""
        self.assertIn("exported", self.export_output)
        shutil.copytree(self.exported, self.path)
        return json.loads((self.path / "manifest.json").read_text())

    def test_the_export_holds_every_resource_the_chain_and_the_ledger(self):
        manifest = self.export()
        files = {f["path"]: f for f in manifest["files"]}
        for name in registry.type_names():
            for line in (self.path / f"fhir/{name}.ndjson").read_text().splitlines():
                get_fhir_model_class(name).model_validate_json(line)
        self.assertGreater(files["fhir/Patient.ndjson"]["lines"], 0)
        chain = [
            json.loads(x) for x in (self.path / "audit/events.ndjson").read_text().splitlines()
        ]
        self.assertEqual(len(chain), files["audit/events.ndjson"]["lines"])
        main = [
            e["fields"]["seq"] for e in chain if e["fields"]["chain"] == str(self.clinic.public_id)
        ]
        self.assertEqual(main, list(range(1, len(main) + 1)))  # the whole chain, in order
        with (self.path / "ledger.csv").open() as ledger:
            rows = list(csv.DictReader(ledger))
        self.assertEqual(len(rows), files["ledger.csv"]["lines"])
        self.assertGreater(len(rows), 0)
        self.assertEqual(verify_export(self.path), [])
        self.assertTrue(AuditEvent.objects.filter(event_type="clinic.exported").exists())

    def test_a_changed_file_fails_its_checksum_and_the_import(self):
        self.export()
        with (self.path / "ledger.csv").open("a") as ledger:
            ledger.write("forged\n")
        self.assertEqual(verify_export(self.path), ["ledger.csv"])
        with self.assertRaises(CommandError) as caught:
            call_command("import-clinic", str(self.path))
        self.assertEqual(caught.exception.returncode, 2)

    def test_an_installation_that_has_the_clinic_refuses_the_import(self):
        self.export()
        with self.assertRaises(CommandError):
            call_command("import-clinic", str(self.path))

    def with_an_older_exports_search_names(self, manifest: dict) -> None:
        """Add the search-name table an export made before DERIVED_TABLES carried, with ids
        of the exporting database (never the ones an importing database's trigger gives)."""
        self.assertNotIn(
            "records/patients.searchname.ndjson", [f["path"] for f in manifest["files"]]
        )
        family = Patient.objects.filter(clinic=self.clinic).values_list("family_name", flat=True)
        rows = [
            {"model": "patients.searchname", "pk": 900_000 + k,
             "fields": {"clinic": self.clinic.pk, "part": "family", "name": name.lower()}}
            for k, name in enumerate(sorted(set(family)))
        ]  # fmt: skip
        name = "records/patients.searchname.ndjson"
        target = self.path / name
        target.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        after = 1 + next(
            i
            for i, f in enumerate(manifest["files"])
            if f["path"] == "records/patients.patient.ndjson"
        )
        entry = {"path": name, "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                 "bytes": target.stat().st_size, "lines": len(rows)}  # fmt: skip
        manifest["files"].insert(after, entry)
        (self.path / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        self.assertEqual(verify_export(self.path), [])

    def test_round_trip_into_an_empty_installation(self):
        # The search names are the database's to derive (PostgreSQL's trigger): an older
        # export's rows for them, with their own ids, once broke the import.
        self.with_an_older_exports_search_names(self.export())
        before = summary_here(DEMO_CLINIC)
        self.assertGreater(before["doses"], 0)
        # The weight each dose was calculated on travels in the platform's rows (the FHIR
        # files carry it as words only).
        bases = {basis for basis, _, _ in before["dose_weights"]}
        self.assertIn("", bases)  # not recorded
        self.assertGreater(len(bases), 1)  # recorded
        self.assertGreater(len(before["balances"]), 0)
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        env.update(DEBUG="True", KC_DATA_DIR=str(self.dir),
                   DATABASE_URL=self.empty_installation())  # fmt: skip

        def cli(*args):
            result = subprocess.run([sys.executable, "-m", "ketamine_care", *args], env=env,
                                    capture_output=True, text=True, timeout=300)  # fmt: skip
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr[-2000:])
            return result.stdout

        # `migrate` is the operator's step all the same, with nothing left to apply.
        cli("migrate", "--verbosity", "0")
        self.assertIn("imported", cli("import-clinic", str(self.path)))
        after = json.loads(
            cli("shell", "-c", SUMMARY.format(name=DEMO_CLINIC)).strip().splitlines()[-1]
        )
        self.assertEqual(after, before)

    def empty_installation(self) -> str:
        """A migrated, empty installation on the engine of the pass (a copy of the run's
        template, `testing.migrated`): SQLite in the SQLite pass, PostgreSQL in the other."""
        if connection.vendor != "postgresql":
            return f"sqlite:///{migrated_sqlite_file(self.dir / 'empty.sqlite3')}"
        import psycopg

        base, name = os.environ["DATABASE_URL"], f"kc_import_{uuid.uuid4().hex[:8]}"
        migrated_postgres(base, name)

        def drop():
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        self.addCleanup(drop)
        return f"{base.rsplit('/', 1)[0]}/{name}"
