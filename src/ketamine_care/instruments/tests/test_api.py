from django.test import Client

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.instruments.models import Administration
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import phq9, record


def token_for(user):
    return issue_api_token(membership=Membership.objects.get(user=user))[1]


class AdministrationApiTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.nurse_token = token_for(cls.nurse)
        cls.outsider_token = token_for(cls.outsider)

    def call(self, method, path, token=None, **kwargs):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token or self.nurse_token}"}
        return getattr(Client(), method)(path, content_type="application/json", **headers, **kwargs)

    @property
    def url(self):
        return f"/api/v1/patients/{self.patient.public_id}/administrations"

    def test_it_records_an_administration_with_its_alerts_and_answers_201(self):
        body = {"instrument": "phq9", "answers": phq9(3, item9=2), "time_point": "follow_up"}
        response = self.call("post", self.url, data=body)
        self.assertEqual(response.status_code, 201)
        out = response.json()
        self.assertEqual((out["total"], out["band"], out["flags"]), (3, "minimal", ["suicidality"]))
        self.assertEqual(out["alerts"][0]["rule_id"], "phq9_item9_positive")
        self.assertEqual(out["source"], "clinician")

    def test_bad_answers_answer_422_naming_the_item_and_save_nothing(self):
        bad = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]  # AUDIT item 9 takes only 0, 2 or 4
        body = {"instrument": "audit", "answers": bad, "time_point": "baseline"}
        response = self.call("post", self.url, data=body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["error"], "validation_error")
        self.assertIn("audit_9", response.json()["fields"])
        self.assertIn("0, 2, 4", response.json()["fields"]["audit_9"])
        short = {"instrument": "gad7", "answers": [1, 1], "time_point": "baseline"}
        self.assertIn("gad7_3", self.call("post", self.url, data=short).json()["fields"])
        self.assertFalse(Administration.objects.exists())
        self.assertFalse(SafetyAlert.objects.exists())

    def test_an_unknown_time_point_answers_422_naming_the_field(self):
        body = {"instrument": "gad7", "answers": [0] * 7, "time_point": "someday"}
        response = self.call("post", self.url, data=body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("time_point", response.json()["fields"])

    def test_it_lists_and_reads_administrations(self):
        a = record(self.patient, self.nurse, "gad7", [1] * 7)
        listed = self.call("get", self.url).json()
        self.assertEqual([x["id"] for x in listed], [str(a.public_id)])
        one = self.call("get", f"{self.url}/{a.public_id}").json()
        self.assertEqual(one["answers"]["gad7_1"], 1)

    def test_another_clinics_patient_answers_404(self):
        a = record(self.other_patient, self.outsider, "gad7", [1] * 7)
        other = f"/api/v1/patients/{self.other_patient.public_id}/administrations"
        body = {"instrument": "gad7", "answers": [0] * 7, "time_point": "baseline"}
        self.assertEqual(self.call("get", other).status_code, 404)
        self.assertEqual(self.call("post", other, data=body).status_code, 404)
        self.assertEqual(self.call("get", f"{self.url}/{a.public_id}").status_code, 404)

    def test_instruments_and_their_definitions_are_listed(self):
        listed = self.call("get", "/api/v1/instruments").json()
        self.assertIn("qids_sr16", [i["code"] for i in listed])
        definition = self.call("get", "/api/v1/instruments/ymrs").json()
        self.assertEqual(definition["code"], "ymrs")
        self.assertEqual(self.call("get", "/api/v1/instruments/nope").status_code, 404)

    def test_the_outcome_summary_reports_response_with_its_source(self):
        record(self.patient, self.nurse, "phq9", phq9(20), days_ago=30, time_point="baseline")
        record(self.patient, self.nurse, "phq9", phq9(8), days_ago=10)
        record(self.patient, self.nurse, "phq9", phq9(4), days_ago=1)
        url = f"/api/v1/patients/{self.patient.public_id}/outcomes"
        (out,) = self.call("get", url).json()
        self.assertEqual((out["baseline"]["total"], out["latest"]["total"]), (20, 4))
        self.assertEqual((out["change"], out["percent_change"]), (-16, -80))
        # PHQ-9 has no relapse definition (SUSTAIN-1 defines it on the MADRS): None, not "no".
        self.assertEqual((out["responder"], out["remitter"], out["relapsed"]), (True, True, None))
        self.assertIs(out["loss_of_response"], False)
        self.assertIn("[@ncqa-hedis-dms]", out["response_rule"]["source"])
        self.assertAlmostEqual(out["time_to_first_response_days"], 20, places=2)

    def test_a_baseline_marked_by_the_clinician_wins_over_the_earliest(self):
        record(self.patient, self.nurse, "phq9", phq9(10), days_ago=60)
        record(self.patient, self.nurse, "phq9", phq9(22), days_ago=30, time_point="baseline")
        record(self.patient, self.nurse, "phq9", phq9(11), days_ago=1)
        url = f"/api/v1/patients/{self.patient.public_id}/outcomes"
        (out,) = self.call("get", url).json()
        self.assertEqual((out["baseline"]["total"], out["responder"]), (22, True))
        self.assertEqual(out["percent_change"], -50)
