"""Clinic protocol versions: activation, clinic-set values, immutability, drafts."""

from __future__ import annotations

from django.db import DatabaseError, transaction

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import Conflict, NotPermitted, StateError, ValidationFailed
from ketamine_care.protocols import services
from ketamine_care.protocols.models import ProtocolVersion, VersionStatus
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import TRD_CLINIC_VALUES, activate_trd

ED_VALUES = {
    "dose.iv.default": 0.5,
    "dose.iv.allowed_min": 0.5,
    "dose.iv.allowed_max": 0.5,
    "administration.iv.infusion_duration_min": 40,
    "schedule.blocks": [
        {
            "phase": "induction",
            "label": "Clinic series",
            "every_weeks": 1,
            "sessions": 3,
            "min_gap_days": 7,
            "dose_sequence": [0.5],
            "source": "clinic decision (research protocol)",
            "evidence": "INSTITUTIONAL",
            "editable": True,
        }
    ],
    "monitoring.min_observation_min": 60,
    "monitoring.discharge.cadss_threshold": None,
    "outcome.response": None,
    "outcome.remission": None,
}


class ActivationTests(ClinicTestCase):
    def test_it_activates_a_copy_of_the_shipped_definition_and_audits(self):
        version = activate_trd(clinic=self.clinic, director=self.medical_director)
        self.assertEqual(version.status, VersionStatus.ACTIVE)
        self.assertEqual(version.parsed().monitoring.min_observation_min, 60)
        self.assertEqual(version.clinic_values, TRD_CLINIC_VALUES)
        self.assertEqual(version.activated_by, self.medical_director)
        event = AuditEvent.objects.get(event_type="protocol.activated")
        self.assertEqual(event.changes["protocol"], "iv-ketamine-trd")

    def test_only_the_medical_director_activates(self):
        for user in (self.prescriber, self.nurse, self.clinic_admin, self.outsider):
            with self.subTest(user=user.email), self.assertRaises(NotPermitted):
                activate_trd(clinic=self.clinic, director=user)
        self.assertFalse(ProtocolVersion.objects.exists())

    def test_it_requires_every_clinic_must_set_value(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.activate_protocol(
                clinic=self.clinic, protocol_id="iv-ketamine-trd", actor=self.medical_director
            )
        self.assertEqual(
            set(caught.exception.fields),
            {
                "clinic_values.monitoring.min_observation_min",
                "clinic_values.monitoring.discharge.cadss_threshold",
            },
        )
        self.assertFalse(ProtocolVersion.objects.exists())

    def test_eating_disorders_needs_a_dose_and_it_is_validated(self):
        bad = {**ED_VALUES, "dose.iv.default": 2.0}  # outside the clinic's own range
        with self.assertRaises(ValidationFailed) as caught:
            services.activate_protocol(
                clinic=self.clinic,
                protocol_id="eating-disorders-research",
                actor=self.medical_director,
                clinic_values=bad,
            )
        self.assertIn("clinic_values.dose.iv", " ".join(caught.exception.fields))
        version = services.activate_protocol(
            clinic=self.clinic,
            protocol_id="eating-disorders-research",
            actor=self.medical_director,
            clinic_values=ED_VALUES,
        )
        self.assertEqual(version.parsed().dose_rule().default, 0.5)

    def test_values_the_protocol_does_not_ask_for_and_wrong_types_are_refused(self):
        values = {**TRD_CLINIC_VALUES, "dose.iv.default": 0.6}
        values["monitoring.min_observation_min"] = "sixty"
        with self.assertRaises(ValidationFailed) as caught:
            services.activate_protocol(
                clinic=self.clinic,
                protocol_id="iv-ketamine-trd",
                actor=self.medical_director,
                clinic_values=values,
            )
        self.assertIn("clinic_values.dose.iv.default", caught.exception.fields)
        self.assertIn("clinic_values.monitoring.min_observation_min", caught.exception.fields)

    def test_a_second_activation_conflicts(self):
        activate_trd(clinic=self.clinic, director=self.medical_director)
        with self.assertRaises(Conflict):
            activate_trd(clinic=self.clinic, director=self.medical_director)

    def test_unknown_protocols_are_named(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.activate_protocol(
                clinic=self.clinic, protocol_id="nope", actor=self.medical_director
            )
        self.assertIn("protocol_id", caught.exception.fields)


class ImmutabilityTests(ClinicTestCase):
    def setUp(self):
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)

    def test_the_model_refuses_to_change_an_active_definition(self):
        self.version.definition = {**self.version.definition, "title": "Changed"}
        with self.assertRaises(StateError):
            self.version.save()

    def test_the_database_refuses_it_too(self):
        changed = {**self.version.definition, "title": "Changed"}
        with self.assertRaises(DatabaseError), transaction.atomic():
            ProtocolVersion.objects.filter(pk=self.version.pk).update(definition=changed)
        self.version.refresh_from_db()
        self.assertNotEqual(self.version.definition["title"], "Changed")

    def test_an_invalid_definition_is_refused_on_save(self):
        draft = ProtocolVersion(
            clinic_protocol=self.version.clinic_protocol,
            version=9,
            definition={"id": "broken"},
            status=VersionStatus.DRAFT,
            source="edited",
            created_by=self.medical_director,
        )
        with self.assertRaises(ValueError):
            draft.save()


class DraftTests(ClinicTestCase):
    def setUp(self):
        self.active = activate_trd(clinic=self.clinic, director=self.medical_director)

    def test_editing_an_active_protocol_makes_a_draft_then_publish_retires_the_old(self):
        draft = services.create_draft(
            from_version=self.active,
            edits={"dose.iv.default": 0.75},
            note="Start at 0.75",
            actor=self.medical_director,
        )
        self.assertEqual(draft.status, VersionStatus.DRAFT)
        self.assertEqual(draft.version, 2)
        self.assertEqual(self.active.parsed().dose_rule().default, 0.5)
        services.publish_draft(version=draft, actor=self.medical_director)
        self.active.refresh_from_db()
        self.assertEqual(self.active.status, VersionStatus.RETIRED)
        self.assertEqual(draft.parsed().dose_rule().default, 0.75)
        types = list(AuditEvent.objects.values_list("event_type", flat=True).order_by("seq"))
        self.assertIn("protocol.draft_created", types)
        self.assertIn("protocol.published", types)

    def test_sourced_values_are_not_editable(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.create_draft(
                from_version=self.active,
                edits={"schedule.blocks": [], "title": "x"},
                actor=self.medical_director,
            )
        self.assertIn("edits.title", caught.exception.fields)

    def test_an_edit_that_breaks_the_definition_is_refused(self):
        with self.assertRaises(ValidationFailed):
            services.create_draft(
                from_version=self.active,
                edits={"dose.iv.default": 5.0},
                actor=self.medical_director,
            )

    def test_retire_and_state_rules(self):
        with self.assertRaisesMessage(StateError, "Version 1 is already published"):
            services.publish_draft(version=self.active, actor=self.medical_director)
        services.retire(version=self.active, actor=self.medical_director)
        with self.assertRaisesMessage(StateError, "Version 1 is already retired."):
            services.retire(version=self.active, actor=self.medical_director)
        with self.assertRaisesMessage(StateError, "Version 1 was already published and has"):
            services.publish_draft(version=self.active, actor=self.medical_director)
        self.assertTrue(AuditEvent.objects.filter(event_type="protocol.retired").exists())
