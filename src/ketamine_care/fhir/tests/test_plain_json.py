"""The Bulk export's fast path (fhir/plain.py) writes exactly the JSON the API answers.

For every part of every registered type and every row of the demo clinic (every demo
patient, plus the rows the demo lacks and a sparse patient with names outside ASCII), the
plain data serialised without a model equals the fhir.resources model's JSON, and parses back
through the type's R4B model (`model_validate_json`) to that same JSON. The NDJSON lines of a
system export are the API's reads of the same ids.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from django.test import Client, SimpleTestCase, TestCase, override_settings
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.fhir import bulk, registry
from ketamine_care.fhir.access import Grant
from ketamine_care.fhir.bulk_rows import keyset_batches, resource_line
from ketamine_care.fhir.models import BulkLevel
from ketamine_care.fhir.plain import Values, clean, cleaned, dumps
from ketamine_care.fhir.tests.demo_rows import (
    add_records_the_demo_lacks,
    add_sparse_unicode_patient,
)
from ketamine_care.testing.demo_snapshot import load_demo_once


def model_json(model) -> dict:
    return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))


class PlainJsonOfDemoRowsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo_once()
        cls.admin = Membership.objects.select_related("clinic", "user").get(
            user__email="clinic_admin@demo.clinic"
        )
        cls.clinic = cls.admin.clinic
        add_records_the_demo_lacks(cls.admin.user)
        cls.sparse = add_sparse_unicode_patient(clinic=cls.clinic, actor=cls.admin.user)

    def test_every_part_of_every_type_has_plain_data(self):
        for name in registry.type_names():
            for part in registry.parts_of(name):
                with self.subTest(type=name, part=part.id_prefix):
                    self.assertIsNotNone(part.to_data)

    def test_the_plain_json_of_every_row_is_the_models_json(self):
        checked: dict[str, int] = {}
        for name in registry.type_names():
            model = get_fhir_model_class(name)
            for part in registry.parts_of(name):
                for row in part.queryset(self.clinic).order_by("pk"):
                    line = dumps(part.to_data(row))
                    expected = model_json(part.to_fhir(row))
                    self.assertEqual(json.loads(line), expected, (name, part.fhir_id(row)))
                    self.assertEqual(model_json(model.model_validate_json(line)), expected)
                    checked[name] = checked.get(name, 0) + 1
        self.assertEqual(set(checked), set(registry.type_names()))
        self.assertGreater(checked["Observation"], 100)

    def test_rows_read_as_tuples_give_the_same_lines_as_model_rows(self):
        tuple_parts = 0
        for name in registry.type_names():
            for part in registry.parts_of(name):
                if not part.data_fields:
                    continue
                tuple_parts += 1
                rows = part.queryset(self.clinic)
                models = [r for b in keyset_batches(rows) for r in b]
                tuples = [r for b in keyset_batches(rows, fields=part.data_fields) for r in b]
                self.assertEqual(len(tuples), len(models), (name, part.id_prefix))
                self.assertTrue(models, (name, part.id_prefix))
                for model_row, tuple_row in zip(models, tuples, strict=True):
                    self.assertIsInstance(tuple_row, Values)
                    self.assertEqual(resource_line(part, tuple_row), resource_line(part, model_row))
        self.assertGreaterEqual(tuple_parts, 10)  # every vital sign, score totals, Patient

    def test_every_searchset_is_the_json_of_its_bundle_model(self):
        director = Membership.objects.get(user__email="medical_director@demo.clinic")
        tokens = {}
        for membership in (director, self.admin):
            tokens[membership.pk] = issue_api_token(membership=membership, scopes="user/*.read")
        for name in registry.type_names():
            reader = self.admin if name == "AuditEvent" else director
            client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[reader.pk][1]}")
            includes = sorted({i for p in registry.parts_of(name) for i in p.includes})
            for data in (
                {"_count": 100, "_include": [f"{name}:{i}" for i in includes]},
                {"_id": "no-such-id"},  # an empty searchset
            ):
                with self.subTest(type=name, data=data):
                    body = client.get(f"/fhir/R4/{name}", data).json()
                    self.assertEqual(model_json(Bundle.model_validate(body)), body)
                    self.assertEqual("entry" in body, body["total"] > 0)

    def test_the_sparse_unicode_patient_says_only_what_is_recorded(self):
        part = registry.parts_of("Patient")[0]
        row = part.queryset(self.clinic).get(pk=self.sparse.pk)
        data = json.loads(dumps(part.to_data(row)))
        self.assertEqual(data["name"][0]["family"], "Núñez-Øre 😀")
        self.assertEqual(data["identifier"][0]["value"], "ÜNI-001")
        self.assertNotIn("telecom", data)
        self.assertIn("李".encode(), dumps(part.to_data(row)))  # UTF-8, not \u escapes
        weights = [
            json.loads(dumps(p.to_data(r)))
            for p in registry.parts_of("Observation")
            if p.id_prefix == "weight"
            for r in p.queryset(self.clinic).filter(patient=self.sparse)
        ]
        self.assertEqual(len(weights), 1)
        self.assertTrue(weights[0]["effectiveDateTime"].endswith(":00Z"))
        self.assertAlmostEqual(weights[0]["valueQuantity"]["value"], 68.17, places=2)

    def test_the_export_files_hold_the_api_reads(self):
        director = Membership.objects.select_related("clinic", "user").get(
            user__email="medical_director@demo.clinic"
        )
        exported = set()
        for membership in (director, self.admin):  # the admin alone reads AuditEvent
            exported |= self.assert_export_lines_are_api_reads(membership)
        self.assertEqual(exported, set(registry.type_names()))

    def assert_export_lines_are_api_reads(self, membership) -> set[str]:
        token = issue_api_token(membership=membership, scopes="system/*.read")[1]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        grant = Grant(membership=membership, context="system", patient_id=None)
        types = bulk.exportable_types(BulkLevel.SYSTEM, None, grant)
        with TemporaryDirectory() as tmp, override_settings(FHIR_BULK_DIR=Path(tmp)):
            export = bulk.kick_off(
                grant=grant, level=BulkLevel.SYSTEM, types=types, since=None, request_url="/x"
            )
            bulk.run_export(export.job)
            export.refresh_from_db()
            for output in export.output:
                lines = (Path(tmp) / str(export.public_id) / output["file"]).read_text("utf-8")
                resources = [json.loads(line) for line in lines.splitlines()]
                self.assertEqual(len(resources), output["count"])
                # The first and the last line of each file, read through the API.
                for resource in resources[:1] + resources[-1:]:
                    path = f"/fhir/R4/{resource['resourceType']}/{resource['id']}"
                    self.assertEqual(client.get(path).json(), resource, path)
        return {output["type"] for output in export.output if output["count"]}


class CleanTests(SimpleTestCase):
    """`clean` does to plain data what the model's serialisation does."""

    def observation(self, **fields) -> dict:
        return {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, **fields}

    def assert_same_as_model(self, data: dict) -> None:
        expected = model_json(Observation.model_validate(data))
        self.assertEqual(json.loads(dumps(data)), expected)

    def test_none_and_empty_lists_are_left_out_and_nested_ones_too(self):
        data = self.observation(
            category=[], note=None, code={"text": "x", "coding": [], "id": None}
        )
        self.assertEqual(clean(data), self.observation())
        self.assert_same_as_model(data)

    def test_decimals_are_numbers_as_the_model_writes_them(self):
        for value in (Decimal("72.50"), Decimal("72.0"), Decimal("68.0388555"), Decimal("70")):
            with self.subTest(value=value):
                self.assert_same_as_model(self.observation(valueQuantity={"value": value}))

    def test_instants_keep_their_offset_and_utc_is_z(self):
        berlin = timezone(timedelta(hours=1))
        for moment in (
            datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
            datetime(2026, 1, 5, 9, 30, 0, 120, tzinfo=UTC),
            datetime(2026, 1, 5, 9, 30, 15, tzinfo=berlin),
        ):
            with self.subTest(moment=moment):
                data = self.observation(effectiveDateTime=moment, meta={"lastUpdated": moment})
                self.assert_same_as_model(data)
        self.assert_same_as_model(self.observation(effectiveDateTime=date(2026, 1, 5).isoformat()))

    def test_data_already_cleaned_is_passed_through_as_it_is(self):
        code = cleaned({"coding": [{"system": "http://loinc.org", "code": "8867-4"}]})
        data = clean(self.observation(code=code, category=[code], note=None))
        self.assertIs(data["code"], code)
        self.assertIs(data["category"][0], code)
        self.assert_same_as_model(self.observation(code=code, category=[code]))

    def test_text_outside_ascii_and_blank_padding_is_kept(self):
        self.assert_same_as_model(self.observation(code={"text": "  Zoë 李 😀\n"}))
