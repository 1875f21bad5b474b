"""AuditEvent: the audit chain as FHIR, for clinic admins only (the medical director, who
reads the audit page, is refused here too), with who did what and when but never the
recorded changes; another clinic's events answer 404."""

from __future__ import annotations

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle

from ketamine_care.accounts.models import Role
from ketamine_care.audit.models import AuditEvent
from ketamine_care.fhir.tests.base import FhirTestCase


class AuditEventTests(FhirTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.admin_token = cls.issue(cls.users[Role.CLINIC_ADMIN])
        cls.event = AuditEvent.objects.filter(clinic=cls.clinic, patient=cls.patient).first()
        cls.other_event = AuditEvent.objects.filter(clinic=cls.other_clinic).first()

    def test_the_clinic_admin_reads_who_did_what_and_when(self):
        response = self.fhir(f"AuditEvent/{self.event.hash}", token=self.admin_token)
        self.assertEqual(response.status_code, 200, response.content[:300])
        resource = FhirAuditEvent.model_validate(response.json())
        self.assertEqual(resource.type.code, self.event.event_type)
        self.assertEqual(resource.agent[0].who.identifier.value, str(self.event.actor.public_id))
        self.assertEqual(resource.entity[0].what.reference, f"Patient/{self.patient.public_id}")
        # The recorded changes (clinical content) never leave through this view.
        for value in self.event.changes.values():
            if isinstance(value, str) and len(value) > 3:
                self.assertNotIn(value, response.content.decode())

    def test_a_search_pages_the_clinics_chain_only(self):
        self.fhir("AuditEvent", token=self.admin_token, data={"_count": 0})  # the token's use
        before = AuditEvent.objects.filter(clinic=self.clinic).count()
        body = self.fhir("AuditEvent", token=self.admin_token, data={"_count": 2}).json()
        Bundle.model_validate(body)
        self.assertEqual(body["total"], before)  # not the other clinic's events
        nxt = next(link["url"] for link in body["link"] if link["relation"] == "next")
        following = self.fhir(nxt.split("/fhir/R4/", 1)[1], token=self.admin_token).json()
        first_ids = {e["resource"]["id"] for e in body["entry"]}
        self.assertFalse(first_ids & {e["resource"]["id"] for e in following["entry"]})
        by_patient = self.fhir(
            "AuditEvent", token=self.admin_token, data={"patient": str(self.patient.public_id)}
        ).json()
        self.assertGreaterEqual(by_patient["total"], 1)

    def test_every_role_but_the_clinic_admin_is_refused(self):
        refused = set(Role) - {Role.CLINIC_ADMIN}
        self.assertIn(Role.MEDICAL_DIRECTOR, refused)
        for role in sorted(refused):
            token = self.issue(self.users[role])
            with self.subTest(role=role):
                self.assert_outcome(
                    self.fhir(f"AuditEvent/{self.event.hash}", token=token), 403, "forbidden"
                )
                self.assert_outcome(self.fhir("AuditEvent", token=token), 403, "forbidden")

    def test_another_clinics_event_and_ids_of_another_shape_answer_404(self):
        for fhir_id in (self.other_event.hash, "not-a-hash", self.event.hash.upper()):
            with self.subTest(fhir_id=fhir_id):
                response = self.fhir(f"AuditEvent/{fhir_id}", token=self.admin_token)
                self.assert_outcome(response, 404, "not-found")
