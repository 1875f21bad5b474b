"""A protocol version pins, when it becomes active, the screening rule set, alert thresholds
and instrument definitions it uses (content and SHA-256 digest), and never changes them."""

from __future__ import annotations

import importlib

from django.db import DatabaseError, transaction

from ketamine_care.core.canonical import sha256_digest
from ketamine_care.core.errors import StateError
from ketamine_care.instruments.definition import definition_content
from ketamine_care.protocols import services
from ketamine_care.protocols.library import list_protocol_ids, load_definition
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.protocols.pinning import (
    INSTRUMENTS,
    SCREENING,
    THRESHOLDS,
    PinMismatch,
    checked_content,
    instrument_codes,
)
from ketamine_care.screening.rule_set import RuleSet, load_rule_set, rule_set_from_content
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd

backfill = importlib.import_module("ketamine_care.protocols.migrations.0004_fill_pinned_rules")


class ActivationPinsTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)

    def test_activation_pins_the_rule_set_thresholds_and_instruments_with_digests(self):
        pins = self.version.pinned_rules
        rule_set = load_rule_set("iv-ketamine-trd")
        self.assertEqual(
            {k: pins[SCREENING][k] for k in ("id", "version", "digest")},
            {"id": rule_set.id, "version": rule_set.version, "digest": rule_set.digest},
        )
        self.assertEqual(pins[SCREENING]["content"], rule_set.content())
        thresholds = self.version.definition["monitoring"]["alert_thresholds"]
        self.assertEqual(pins[THRESHOLDS]["content"], thresholds)
        self.assertEqual(pins[THRESHOLDS]["digest"], sha256_digest(thresholds))
        self.assertEqual(sorted(pins[INSTRUMENTS]), instrument_codes(self.version.definition))
        self.assertIn("qids_sr16", pins[INSTRUMENTS])
        for code, pin in pins[INSTRUMENTS].items():
            with self.subTest(code=code):
                self.assertEqual(pin["content"], definition_content(code))
                self.assertEqual(pin["digest"], sha256_digest(pin["content"]))
                self.assertEqual(pin["version"], pin["content"]["version"])
        self.assertIsNotNone(self.version.pinned_at)

    def test_a_draft_pins_nothing_until_it_is_published(self):
        draft = services.create_draft(
            from_version=self.version,
            edits={"monitoring.min_observation_min": 90},
            actor=self.medical_director,
        )
        self.assertEqual(draft.pinned_rules, {})
        published = services.publish_draft(version=draft, actor=self.medical_director)
        published.refresh_from_db()
        self.assertEqual(
            published.pinned_rules[SCREENING]["digest"], load_rule_set("iv-ketamine-trd").digest
        )

    def test_the_pins_never_change_once_active(self):
        self.version.pinned_rules = {**self.version.pinned_rules, THRESHOLDS: {}}
        with self.assertRaises(StateError):
            self.version.save()

    def test_the_database_refuses_a_pin_change_too(self):
        with self.assertRaises(DatabaseError), transaction.atomic():
            ProtocolVersion.objects.filter(pk=self.version.pk).update(pinned_rules={"x": 1})

    def test_the_database_still_refuses_a_definition_change(self):
        changed = {**self.version.definition, "title": "Changed"}
        with self.assertRaises(DatabaseError), transaction.atomic():
            ProtocolVersion.objects.filter(pk=self.version.pk).update(definition=changed)

    def test_altered_pinned_content_is_refused_when_read(self):
        record = dict(self.version.pinned_rules[THRESHOLDS], content=[])
        with self.assertRaises(PinMismatch):
            checked_content(record, "alert thresholds")

    def test_the_backfill_migration_pins_what_activation_pins(self):
        filled = backfill.pins_for(self.version.definition)
        pins = self.version.pinned_rules
        self.assertEqual(filled[THRESHOLDS], pins[THRESHOLDS])
        self.assertEqual(filled[INSTRUMENTS], pins[INSTRUMENTS])
        self.assertEqual(filled[SCREENING]["version"], pins[SCREENING]["version"])
        # The backfill composes raw files; validated, it is the same rule set.
        backfilled = rule_set_from_content(filled[SCREENING]["content"])
        self.assertEqual(backfilled.digest, pins[SCREENING]["digest"])
        self.assertEqual(filled[SCREENING]["digest"], sha256_digest(filled[SCREENING]["content"]))


def test_every_rule_set_survives_the_round_trip_through_its_pinned_content():
    for protocol_id in list_protocol_ids():
        rule_set = load_rule_set(load_definition(protocol_id).screening_rule_set)
        again = RuleSet.model_validate(rule_set.content())
        assert again == rule_set and again.digest == rule_set.digest, protocol_id
