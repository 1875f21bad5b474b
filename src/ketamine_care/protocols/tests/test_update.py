"""A clinic's protocol moved onto a newer shipped definition: the library's corrections taken,
the clinic's own changes carried by what they are (never by list position), nothing changed
for patients until the draft is published."""

from __future__ import annotations

import copy
from unittest import mock

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import NotPermitted, StateError, ValidationFailed
from ketamine_care.protocols import services, update
from ketamine_care.protocols.clinic_values import ClinicValueError
from ketamine_care.protocols.library import load_definition, parse_definition
from ketamine_care.protocols.models import VersionSource, VersionStatus
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd

CEILING = "dose.iv.ceiling.mg"
REVIEW_LINE = "monitoring.alert_thresholds.1.conditions.0.value"  # pre-dose review, 140
AFTER_EVERY = "monitoring.vitals_cadence.after_every_min"


def newer_trd(*, must_set: tuple[str, ...] = ()) -> dict:
    """Test data: the shipped TRD definition as a later library would ship it: version 9.0.0,
    a new alert rule inserted first (every later rule moves down one place), the interval
    after the infusion changed and an alert's wording changed."""
    data = copy.deepcopy(load_definition("iv-ketamine-trd").model_dump(mode="json"))
    data["version"] = "9.0.0"
    rules = data["monitoring"]["alert_thresholds"]
    inserted = {**copy.deepcopy(rules[1]), "rule": "test_inserted_rule"}
    rules.insert(0, inserted)
    rules[-1]["action"] = rules[-1]["action"] + " (reworded)"
    data["monitoring"]["vitals_cadence"]["after_every_min"] = 10
    data["clinic_must_set"] = [*data["clinic_must_set"], *must_set]
    return data


def shipping(data: dict):
    newer = parse_definition(data)
    return mock.patch.object(update, "load_definition", return_value=newer)


class UpdateTests(ClinicTestCase):
    def setUp(self):
        first = activate_trd(clinic=self.clinic, director=self.medical_director)
        draft = services.create_draft(
            from_version=first,
            edits={CEILING: 70, REVIEW_LINE: 150},
            actor=self.medical_director,
        )
        self.active = services.publish_draft(version=draft, actor=self.medical_director)

    def plan(self):
        with shipping(newer_trd()):
            return services.preview_update(from_version=self.active, actor=self.medical_director)

    def test_the_plan_names_the_versions_the_library_changes_and_the_clinics_own(self):
        plan = self.plan()
        shipped_now = load_definition("iv-ketamine-trd").version
        self.assertEqual((plan.base_version, plan.shipped_version), (shipped_now, "9.0.0"))
        carried = {c.field.path: (c.field.current, c.new_path) for c in plan.carried}
        # The clinic's line is carried to the rule it belongs to, one place further down.
        moved = REVIEW_LINE.replace("thresholds.1.", "thresholds.2.")
        self.assertEqual(carried, {CEILING: (70, CEILING), REVIEW_LINE: (150.0, moved)})
        self.assertIn(
            "Vital-sign cadence, vital signs every (after dosing): 15 min → 10 min",
            plan.shipped_changes,
        )
        new = [line for line in plan.shipped_changes if line.endswith(": new in this version")]
        self.assertEqual(len(new), 1)  # the inserted rule, once
        self.assertIn("monitoring, alert thresholds and discharge", plan.other_sections)
        self.assertEqual((plan.not_carried, plan.missing_values), ([], []))
        # The values the clinic set on activation go with it, and the page says so.
        self.assertIn("Minimum observation after dosing: 60", "; ".join(plan.kept_values))

    def test_the_draft_takes_the_library_and_keeps_what_the_clinic_ticked(self):
        with shipping(newer_trd()):
            draft = services.create_update_draft(
                from_version=self.active,
                keep=[CEILING],
                note="Library 9.0.0",
                actor=self.medical_director,
            )
        definition = draft.parsed()
        self.assertEqual((draft.status, draft.source), (VersionStatus.DRAFT, VersionSource.UPDATED))
        self.assertEqual(draft.based_on, self.active)
        self.assertEqual(definition.version, f"9.0.0+clinic.{draft.version}")
        self.assertEqual(definition.dose["iv"].ceiling.mg, 70)
        self.assertEqual(definition.monitoring.vitals_cadence.after_every_min, 10)
        rules = definition.monitoring.alert_thresholds
        self.assertEqual(rules[0].rule, "test_inserted_rule")
        self.assertEqual(rules[2].conditions[0].value, 140)  # left behind: the shipped line
        self.assertEqual(draft.clinic_values, self.active.clinic_values)
        self.assertIsNone(draft.shipped_base["dose"]["iv"]["ceiling"]["mg"])
        event = AuditEvent.objects.get(event_type="protocol.update_drafted")
        self.assertEqual(event.changes["carried"], [CEILING])
        self.assertEqual(event.changes["shipped_version"], "9.0.0")
        # Nothing changes for patients until it is published.
        self.active.refresh_from_db()
        self.assertEqual(self.active.status, VersionStatus.ACTIVE)

    def test_published_the_update_is_the_base_of_later_drafts(self):
        with shipping(newer_trd()):
            draft = services.create_update_draft(
                from_version=self.active, keep=[], actor=self.medical_director
            )
            active = services.publish_draft(version=draft, actor=self.medical_director)
            self.assertIsNone(update.newer_shipped_version(active))
            with self.assertRaisesMessage(StateError, "already uses the shipped definition"):
                services.preview_update(from_version=active, actor=self.medical_director)
            later = services.create_draft(
                from_version=active, edits={CEILING: 60}, actor=self.medical_director
            )
            self.assertEqual(update.base_version(later), "9.0.0")
            self.assertEqual(draft.parsed().version, "9.0.0")  # nothing carried: as shipped
            # The clinic's 60 mg, made on 9.0.0, is its own change against that base.
            later = services.publish_draft(version=later, actor=self.medical_director)
        with shipping({**newer_trd(), "version": "9.1.0"}):
            plan = services.preview_update(from_version=later, actor=self.medical_director)
        self.assertEqual([c.field.path for c in plan.carried], [CEILING])
        self.assertEqual(plan.shipped_changes, [])

    def test_a_value_the_newer_definition_asks_for_is_required_and_named(self):
        path = "monitoring.vitals_cadence.interval"
        with shipping(newer_trd(must_set=(path,))):
            plan = services.preview_update(from_version=self.active, actor=self.medical_director)
            self.assertEqual(plan.missing_values, [path])
            with self.assertRaises(ValidationFailed) as caught:
                services.create_update_draft(
                    from_version=self.active, keep=[], actor=self.medical_director
                )
            self.assertIn(f"clinic_values.{path}", caught.exception.fields)
            draft = services.create_update_draft(
                from_version=self.active,
                keep=[],
                clinic_values={path: 10},
                actor=self.medical_director,
            )
        self.assertEqual(draft.clinic_values[path], 10)

    def test_a_value_the_newer_definition_no_longer_accepts_is_asked_again(self):
        """Never a failed page: the clinic's value the newer definition refuses is asked for
        again, as a value it newly asks for is."""
        path = "monitoring.min_observation_min"
        refused = ClinicValueError({path: "Allowed: a whole number, 30 or more."})
        with (
            shipping(newer_trd()),
            mock.patch.object(update, "apply_clinic_values", side_effect=refused),
        ):
            plan = services.preview_update(from_version=self.active, actor=self.medical_director)
        self.assertEqual(plan.missing_values, [path])

    def test_only_the_medical_director_drafts_an_update(self):
        for user in (self.prescriber, self.nurse, self.clinic_admin, self.outsider):
            with self.subTest(user=user.email), shipping(newer_trd()):
                with self.assertRaises(NotPermitted):
                    services.create_update_draft(from_version=self.active, keep=[], actor=user)
        self.assertFalse(AuditEvent.objects.filter(event_type="protocol.update_drafted").exists())

    def test_the_current_library_offers_no_update_to_a_fresh_activation(self):
        self.assertIsNone(update.newer_shipped_version(self.active))
        self.assertEqual(
            update.base_version(self.active), load_definition("iv-ketamine-trd").version
        )
