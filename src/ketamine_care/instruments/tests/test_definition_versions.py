"""Instrument definitions are versioned: an administration names the code, version and digest
it was scored with, and old versions stay loadable so old data can be rescored."""

from __future__ import annotations

from ketamine_care.core.canonical import sha256_digest
from ketamine_care.core.errors import StateError
from ketamine_care.instruments import services
from ketamine_care.instruments.definition import (
    UnknownInstrumentVersion,
    content_digest,
    definition,
    definition_content,
    list_codes,
    load_definition,
)
from ketamine_care.instruments.scoring import score
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.definitions import (
    CHANGED_CODE,
    CHANGED_VERSION,
    changed_instrument_package,
    qids_answers,
)


def record_qids(patient, actor, **answers):
    return services.record_administration(
        patient=patient,
        instrument_code=CHANGED_CODE,
        answers=qids_answers(**answers),
        time_point="follow_up",
        actor=actor,
    )


class DefinitionVersionTests(ClinicTestCase):
    def test_every_shipped_definition_loads_by_its_own_version(self):
        for code in list_codes():
            current = load_definition(code)
            with self.subTest(code=code):
                self.assertEqual(definition(code, current.version), current)

    def test_an_unknown_version_is_refused(self):
        with self.assertRaises(UnknownInstrumentVersion):
            definition("phq9", "0.0.1-never")
        with self.assertRaises(UnknownInstrumentVersion):
            definition("phq9", "../madrs")

    def test_an_administration_names_code_version_and_digest(self):
        row = record_qids(self.patient, self.prescriber, slowed=2, agitated=3)
        self.assertEqual(row.instrument_code, CHANGED_CODE)
        self.assertEqual(row.definition_version, load_definition(CHANGED_CODE).version)
        self.assertEqual(row.definition_digest, sha256_digest(definition_content(CHANGED_CODE)))

    def test_an_old_administration_rescored_with_its_own_version_gives_its_stored_total(self):
        row = record_qids(self.patient, self.prescriber, slowed=2, agitated=3)
        self.assertEqual(row.total, 3)  # one psychomotor domain: max(2, 3)
        with changed_instrument_package() as original:
            current = load_definition(CHANGED_CODE)
            self.assertEqual(current.version, CHANGED_VERSION)
            ordered = [row.answers[i] for i in current.item_ids]
            self.assertEqual(score(current, ordered).total, 5)  # the new rules total 2 + 3
            rescored = services.rescore(row)
            self.assertEqual((rescored.total, rescored.version), (row.total, original["version"]))
            self.assertEqual(row.definition_digest, content_digest(original))
            new_row = record_qids(self.patient, self.prescriber, slowed=2, agitated=3)
            self.assertEqual((new_row.total, new_row.definition_version), (5, CHANGED_VERSION))
            self.assertNotEqual(new_row.definition_digest, row.definition_digest)

    def test_rescoring_refuses_a_definition_that_changed_under_the_same_version(self):
        row = record_qids(self.patient, self.prescriber, slowed=1, agitated=0)
        row.definition_digest = "0" * 64
        with self.assertRaises(StateError):
            services.rescore(row)


class DigestBackfillTests(ClinicTestCase):
    def test_the_migration_fills_the_digest_of_the_version_each_row_was_scored_with(self):
        import importlib

        from django.apps import apps

        from ketamine_care.instruments.models import Administration

        fill = importlib.import_module(
            "ketamine_care.instruments.migrations.0003_fill_definition_digest"
        ).fill
        row = record_qids(self.patient, self.prescriber, slowed=1, agitated=1)
        unknown = record_qids(self.patient, self.prescriber, slowed=0, agitated=1)
        Administration.objects.filter(pk=row.pk).update(definition_digest="")
        Administration.objects.filter(pk=unknown.pk).update(
            definition_digest="", definition_version="0.0.1-never"
        )
        fill(apps, None)
        row.refresh_from_db()
        unknown.refresh_from_db()
        self.assertEqual(row.definition_digest, content_digest(definition_content(CHANGED_CODE)))
        self.assertEqual(unknown.definition_digest, "")
