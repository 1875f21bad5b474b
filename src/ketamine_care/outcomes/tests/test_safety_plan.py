"""The Stanley-Brown safety plan: written, reviewed as new versions, printed, and prompted
when a suicidality result has no plan."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.outcomes.models import REQUIRED_SECTIONS, SafetyPlan
from ketamine_care.outcomes.services import save_safety_plan
from ketamine_care.patients.services import mark_patient_entered_in_error
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import phq9, record

SECTIONS = {
    "warning_signs": "Not sleeping\nPulling away from friends",
    "internal_coping": "Walk the dog",
    "social_distraction": "Coffee shop on Main St",
    "people_to_ask": "Sam 555-0101",
    "professionals": "Dr Lee 555-0102\n988 Suicide & Crisis Lifeline: call or text 988",
    "environment_safety": "Medicines locked by partner",
}


class SafetyPlanServiceTests(ClinicTestCase):
    def save(self, **overrides):
        values = {"patient": self.patient, "actor": self.nurse, "sections": dict(SECTIONS)}
        values.update(overrides)
        return save_safety_plan(**values)

    def test_a_review_is_a_new_version_and_the_first_stays_unchanged(self):
        first = self.save()
        sections = {**SECTIONS, "internal_coping": "Walk the dog\nMusic"}
        review = self.save(sections=sections, based_on=first, actor=self.therapist)
        first.refresh_from_db()
        self.assertEqual((first.version, review.version, review.based_on), (1, 2, first))
        self.assertEqual(first.internal_coping, "Walk the dog")
        self.assertEqual(review.reviewed_on, timezone.localdate())
        events = AuditEvent.objects.filter(event_type__startswith="safety_plan.")
        self.assertEqual([e.event_type for e in events.order_by("id")],
                         ["safety_plan.created", "safety_plan.reviewed"])  # fmt: skip
        self.assertEqual(events.order_by("id").last().changes["new"]["sections_changed"],
                         ["internal_coping"])  # fmt: skip

    def test_a_second_first_plan_or_a_stale_review_is_a_conflict_and_saves_nothing(self):
        first = self.save()
        with self.assertRaises(Conflict):
            self.save()
        self.save(based_on=first)
        with self.assertRaises(Conflict):
            self.save(based_on=first)  # version 2 already reviewed it
        self.assertEqual(SafetyPlan.objects.filter(patient=self.patient).count(), 2)

    def test_every_missing_section_is_named_and_nothing_is_saved(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.save(sections={"warning_signs": "x", "reasons": "y"})
        fields = caught.exception.fields
        self.assertEqual(set(fields), (set(REQUIRED_SECTIONS) - {"warning_signs"}) | {"reasons"})
        self.assertFalse(SafetyPlan.objects.exists())

    def test_a_future_review_date_is_refused(self):
        tomorrow = timezone.localdate() + timedelta(days=1)
        with self.assertRaises(ValidationFailed) as caught:
            self.save(reviewed_on=tomorrow)
        self.assertIn("reviewed_on", caught.exception.fields)

    def test_a_record_entered_in_error_takes_no_plan(self):
        mark_patient_entered_in_error(
            patient=self.patient, actor=self.prescriber, reason="duplicate"
        )
        self.patient.refresh_from_db()
        with self.assertRaises(StateError):
            self.save()


class SafetyPlanScreenTests(ClinicTestCase):
    def chart(self, user=None):
        return self.client_for(user or self.nurse).get(f"/patients/{self.patient.public_id}/")

    def test_a_suicidality_alert_without_a_plan_prompts_on_the_chart_and_the_alert(self):
        self.assertNotContains(self.chart(), "Create a safety plan")
        record(self.patient, self.nurse, "phq9", phq9(6, item9=1))
        page = self.chart()
        self.assertContains(page, 'id="safety-plan-prompt"')
        self.assertContains(page, 'class="safety-plan-prompt"')  # on the alert itself
        self.assertContains(page, "Create a safety plan")
        save_safety_plan(patient=self.patient, actor=self.nurse, sections=SECTIONS)
        page = self.chart()
        self.assertNotContains(page, "safety-plan-prompt")
        self.assertContains(page, "Walk the dog")

    def test_the_clinic_alert_list_prompts_for_a_plan_until_there_is_one(self):
        record(self.patient, self.nurse, "phq9", phq9(6, item9=1))
        record(self.patient, self.nurse, "cssrs_screener", [1, 1, 1, 0, 0, 0, 0])
        page = self.client_for(self.nurse).get("/alerts/")
        self.assertContains(page, "Create a safety plan", count=2)
        save_safety_plan(patient=self.patient, actor=self.nurse, sections=SECTIONS)
        self.assertNotContains(self.client_for(self.nurse).get("/alerts/"), "safety-plan-prompt")

    def test_a_madrs_suicide_item_flag_prompts_too(self):
        record(self.patient, self.nurse, "madrs", [0] * 9 + [4])
        self.assertContains(self.chart(), 'id="safety-plan-prompt"')

    def test_create_review_and_print_through_the_screens(self):
        client = self.client_for(self.therapist)
        base = f"/patients/{self.patient.public_id}/safety-plan/"
        form = client.get(base + "?edit=1", headers={"HX-Request": "true"})
        self.assertContains(form, 'id="section-safety-plan"')
        self.assertContains(form, "988")  # the crisis resources prefill the professionals
        self.assertNotContains(form, "<html")
        response = client.post(base + "save/", SECTIONS)
        self.assertEqual(response.status_code, 302)
        plan = SafetyPlan.objects.get(patient=self.patient)
        review = {**SECTIONS, "based_on": str(plan.public_id), "reasons_for_living": "My kids"}
        response = client.post(base + "save/", review, headers={"HX-Request": "true"})
        self.assertContains(response, "Version 2")
        printed = client.get(base + "print/")
        self.assertContains(printed, "My kids")
        self.assertContains(printed, "Step 6: Making the environment safe")
        self.assertContains(printed, 'id="crisis-resources"')
        old = client.get(base + "print/?version=1")
        self.assertNotContains(old, "My kids")
        self.assertEqual(client.get(base + "print/?version=9").status_code, 404)

    def test_an_incomplete_or_stale_form_is_refused_naming_the_fields(self):
        client = self.client_for(self.nurse)
        base = f"/patients/{self.patient.public_id}/safety-plan/"
        response = client.post(base + "save/", {"warning_signs": "x"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Internal coping strategies: write at least one line",
                            status_code=422)  # fmt: skip
        client.post(base + "save/", SECTIONS)
        again = client.post(base + "save/", SECTIONS)
        self.assertEqual(again.status_code, 409)
        self.assertEqual(SafetyPlan.objects.count(), 1)

    def test_no_plan_to_print_and_other_clinics_and_roles(self):
        base = f"/patients/{self.patient.public_id}/safety-plan/"
        self.assertEqual(self.client_for(self.nurse).get(base + "print/").status_code, 404)
        outsider = self.client_for(self.outsider)
        self.assertEqual(outsider.get(base).status_code, 404)
        self.assertEqual(outsider.post(base + "save/", SECTIONS).status_code, 404)
        self.assertEqual(self.client_for(self.front_desk).get(base).status_code, 403)
        self.assertFalse(SafetyPlan.objects.exists())


class SafetyPlanApiTests(ClinicTestCase):
    def url(self, patient=None):
        return f"/api/v1/patients/{(patient or self.patient).public_id}/safety-plans"

    def test_post_creates_then_reviews_and_get_lists_versions(self):
        client = self.client_for(self.prescriber)
        created = client.post(self.url(), SECTIONS, content_type="application/json")
        self.assertEqual(created.status_code, 201, created.content)
        body = {**SECTIONS, "based_on": created.json()["id"], "people_to_ask": "Sam; Alex"}
        reviewed = client.post(self.url(), body, content_type="application/json")
        self.assertEqual(reviewed.status_code, 201)
        listed = client.get(self.url()).json()
        self.assertEqual([(p["version"], p["current"]) for p in listed], [(2, True), (1, False)])
        self.assertEqual(listed[0]["based_on"], created.json()["id"])

    def test_unhappy_paths(self):
        client = self.client_for(self.prescriber)
        bad = client.post(self.url(), {"warning_signs": "x"}, content_type="application/json")
        self.assertEqual(bad.status_code, 422)
        self.assertIn("professionals", bad.json()["fields"])
        client.post(self.url(), SECTIONS, content_type="application/json")
        twice = client.post(self.url(), SECTIONS, content_type="application/json")
        self.assertEqual(twice.status_code, 409)
        unknown = {**SECTIONS, "based_on": "00000000-0000-0000-0000-000000000000"}
        self.assertEqual(
            client.post(self.url(), unknown, content_type="application/json").status_code, 404
        )
        outsider = self.client_for(self.outsider)
        self.assertEqual(outsider.get(self.url()).status_code, 404)
        self.assertEqual(
            outsider.post(self.url(), SECTIONS, content_type="application/json").status_code, 404
        )
        self.assertEqual(SafetyPlan.objects.count(), 1)
