"""Protocol, screening, dosing and plan API: contracts, 422 naming fields, other clinics 404."""

from __future__ import annotations

from decimal import Decimal

from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.patients import services as patients
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import (
    CLEAR_POSTED_FACTS,
    TRD_CLINIC_VALUES,
    activate_trd,
    next_monday,
    screen,
    treatable_plan,
)


class ApiTestCase(ClinicTestCase):
    def post(self, user, path, body):
        return self.client_for(user).post(path, body, content_type="application/json")

    def get(self, user, path):
        return self.client_for(user).get(path)


class ProtocolApiTests(ApiTestCase):
    def test_list_read_activate_and_draft(self):
        listing = self.get(self.nurse, "/api/v1/protocols").json()
        self.assertEqual(len(listing), 15)
        self.assertTrue(all(row["active_version"] is None for row in listing))
        response = self.post(
            self.medical_director,
            "/api/v1/protocols/iv-ketamine-trd/activate",
            {"clinic_values": TRD_CLINIC_VALUES},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["status"], "active")
        detail = self.get(self.prescriber, "/api/v1/protocols/iv-ketamine-trd").json()
        self.assertEqual(detail["active_definition"]["monitoring"]["min_observation_min"], 60)
        draft = self.post(
            self.medical_director,
            "/api/v1/protocols/iv-ketamine-trd/drafts",
            {"edits": {"dose.iv.default": 0.75}, "note": "start higher"},
        )
        self.assertEqual(draft.status_code, 201, draft.content)
        published = self.post(
            self.medical_director, f"/api/v1/protocols/versions/{draft.json()['id']}/publish", {}
        )
        self.assertEqual(published.json()["status"], "active")

    def test_activation_with_missing_values_is_422_naming_them_and_saves_nothing(self):
        response = self.post(
            self.medical_director, "/api/v1/protocols/eating-disorders-research/activate", {}
        )
        self.assertEqual(response.status_code, 422)
        body = response.json()
        self.assertEqual(body["error"], "validation_error")
        self.assertIn("clinic_values.dose.iv.default", body["fields"])
        self.assertFalse(ProtocolVersion.objects.exists())

    def test_roles_and_unknown_ids(self):
        response = self.post(self.prescriber, "/api/v1/protocols/iv-ketamine-trd/activate", {})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.get(self.nurse, "/api/v1/protocols/nope").status_code, 404)

    def test_another_clinics_version_is_404(self):
        version = activate_trd(clinic=self.clinic, director=self.medical_director)
        from ketamine_care.accounts.models import Membership, Role
        from ketamine_care.testing.base import make_user

        director = make_user("md@elsewhere.clinic", self.other_clinic, Role.MEDICAL_DIRECTOR)
        self.assertTrue(Membership.objects.filter(user=director).exists())
        path = f"/api/v1/protocols/versions/{version.public_id}/retire"
        self.assertEqual(self.post(director, path, {}).status_code, 404)


class ScreeningAndPlanApiTests(ApiTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)
        self.base = f"/api/v1/patients/{self.patient.public_id}"

    def test_evaluate_override_cosign_and_list(self):
        facts = {**CLEAR_POSTED_FACTS, "pregnant": True}
        response = self.post(
            self.prescriber,
            f"{self.base}/screenings",
            {"protocol": "iv-ketamine-trd", "facts": facts},
        )
        self.assertEqual(response.status_code, 201, response.content)
        verdict = response.json()
        self.assertEqual(verdict["verdict"], "requires_override")
        self.assertTrue(
            all({"rule", "severity", "message", "source"} <= set(r) for r in verdict["reasons"])
        )
        path = f"{self.base}/screenings/{verdict['id']}"
        self.assertEqual(
            self.post(self.prescriber, f"{path}/override", {"reason": ""}).status_code, 422
        )
        overridden = self.post(self.prescriber, f"{path}/override", {"reason": "Documented"})
        self.assertEqual(overridden.status_code, 200)
        self.assertEqual(self.post(self.prescriber, f"{path}/cosign", {}).status_code, 403)
        cosigned = self.post(self.medical_director, f"{path}/cosign", {"note": "ok"})
        self.assertIsNotNone(cosigned.json()["cosigned_at"])
        listing = self.get(self.nurse, f"{self.base}/screenings").json()
        self.assertEqual([v["id"] for v in listing], [verdict["id"]])

    def test_bad_facts_are_422_naming_the_field_and_save_nothing(self):
        response = self.post(
            self.prescriber,
            f"{self.base}/screenings",
            {"protocol": "iv-ketamine-trd", "facts": {"diagnoses": ["mdd2"]}},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("facts.diagnoses[0]", response.json()["fields"])
        response = self.post(
            self.prescriber, f"{self.base}/screenings", {"protocol": "esketamine-trd-label"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("protocol", response.json()["fields"])
        self.assertFalse(ScreeningVerdict.objects.exists())

    def test_an_ineligible_verdict_override_is_409(self):
        facts = {**CLEAR_POSTED_FACTS, "history": ["intracerebral_hemorrhage"]}
        verdict = self.post(
            self.prescriber,
            f"{self.base}/screenings",
            {"protocol": "iv-ketamine-trd", "facts": facts},
        ).json()
        self.assertEqual(verdict["verdict"], "ineligible")
        response = self.post(
            self.prescriber, f"{self.base}/screenings/{verdict['id']}/override", {"reason": "x"}
        )
        self.assertEqual(response.status_code, 409)

    def test_dose_calculation_returns_the_calculator_json(self):
        patients.record_measurement(
            patient=self.patient,
            actor=self.prescriber,
            unit="metric",
            weight=Decimal("82"),
            height=Decimal("170"),
        )
        response = self.post(
            self.nurse, f"{self.base}/dose-calculations", {"protocol": "iv-ketamine-trd"}
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["dose_mg"], 41.0)  # 0.5 mg/kg x 82 kg [@fava-2018]
        self.assertEqual(body["infusion"]["duration_min"], 40)
        blocked = self.post(
            self.nurse,
            f"{self.base}/dose-calculations",
            {"protocol": "iv-ketamine-trd", "mg_per_kg": 2},
        ).json()
        self.assertTrue(blocked["blocked"])
        bad = self.post(
            self.nurse,
            f"{self.base}/dose-calculations",
            {"protocol": "iv-ketamine-trd", "weight_kg": -1},
        )
        self.assertEqual(bad.status_code, 422)
        self.assertIn("weight_kg", bad.json()["fields"])

    def test_dose_without_a_weight_is_422(self):
        response = self.post(
            self.nurse, f"{self.base}/dose-calculations", {"protocol": "iv-ketamine-trd"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("weight_kg", response.json()["fields"])

    def test_plans_create_read_and_move(self):
        response = self.post(
            self.prescriber,
            f"{self.base}/plans",
            {"protocol": "iv-ketamine-trd", "start_date": str(next_monday())},
        )
        self.assertEqual(response.status_code, 409)  # not screened yet
        self.assertEqual(response.json()["error"], "ineligible_for_treatment")
        plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        body = self.get(self.nurse, f"{self.base}/plans/{plan.public_id}").json()
        self.assertEqual(body["visits"][0]["dose"]["dose_mg_per_kg"], 0.5)
        visit = body["visits"][1]
        path = f"{self.base}/plans/{plan.public_id}/visits/{visit['id']}/move"
        refused = self.post(self.prescriber, path, {"date": body["visits"][0]["date"]})
        self.assertEqual(refused.status_code, 422)
        self.assertIn("date", refused.json()["fields"])
        self.assertEqual(
            PlannedVisit.objects.get(public_id=visit["id"]).date.isoformat(), visit["date"]
        )
        bad = self.post(
            self.prescriber,
            f"{self.base}/plans",
            {"protocol": "iv-ketamine-trd", "start_date": "soon"},
        )
        self.assertEqual(bad.status_code, 422)
        self.assertIn("start_date", bad.json()["fields"])
        self.assertEqual(TreatmentPlan.objects.count(), 1)

    def test_plans_take_a_clinic_maintenance_rhythm(self):
        screen(patient=self.patient, version=self.version, actor=self.prescriber)
        body = {
            "protocol": "iv-ketamine-trd",
            "start_date": str(next_monday()),
            "horizon_weeks": 30,
            "maintenance": {"every": 8, "unit": "weeks"},
        }
        response = self.post(self.prescriber, f"{self.base}/plans", body)
        self.assertEqual(response.status_code, 201)
        dates = [v["date"] for v in response.json()["visits"] if v["phase"] == "maintenance"]
        self.assertGreaterEqual(len(dates), 2)
        body["maintenance"] = {"every": 0}
        bad = self.post(self.prescriber, f"{self.base}/plans", body)
        self.assertEqual(bad.status_code, 422)
        self.assertTrue(any("every" in f for f in bad.json()["fields"]))

    def test_another_clinics_patient_is_404_everywhere(self):
        other = f"/api/v1/patients/{self.other_patient.public_id}"
        for path, body in [
            ("screenings", {"protocol": "iv-ketamine-trd"}),
            ("dose-calculations", {"protocol": "iv-ketamine-trd"}),
            ("plans", {"protocol": "iv-ketamine-trd", "start_date": "2030-01-07"}),
        ]:
            with self.subTest(path=path):
                self.assertEqual(
                    self.post(self.prescriber, f"{other}/{path}", body).status_code, 404
                )
