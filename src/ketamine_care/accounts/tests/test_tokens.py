from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketamine_care.accounts.models import ApiToken
from ketamine_care.accounts.tests.test_login import current_code, reset_throttle
from ketamine_care.testing.base import PASSWORD, ClinicTestCase

TOKENS = "/api/v1/auth/tokens"


class ApiTokenTests(ClinicTestCase):
    def create(self, **body):
        payload = {"email": "nurse@test.clinic", "password": PASSWORD, **body}
        return Client().post(TOKENS, payload, content_type="application/json")

    def get(self, path, token):
        return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    def test_a_token_is_issued_once_and_stored_hashed(self):
        response = self.create(name="laptop")
        self.assertEqual(response.status_code, 201)
        token = response.json()["token"]
        row = ApiToken.objects.get()
        self.assertNotIn(token, (row.token_hash, row.prefix))
        self.assertEqual(row.token_hash, ApiToken.hash_token(token))
        self.assertEqual(self.get("/api/v1/patients", token).status_code, 200)

    def test_wrong_credentials_answer_401_in_the_error_shape(self):
        response = self.create(password="wrong")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(set(response.json()), {"error", "message", "fields"})

    def test_repeated_failures_pause_token_requests_in_the_error_shape(self):
        for _ in range(5):
            self.create(password="wrong")
        response = self.create()
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json()["error"], "locked_out")
        self.assertEqual(set(response.json()), {"error", "message", "fields"})

    def test_missing_fields_answer_422_naming_them(self):
        response = Client().post(TOKENS, {"email": "x"}, content_type="application/json")
        self.assertEqual(response.status_code, 422)
        self.assertIn("password", response.json()["fields"])

    def test_malformed_missing_and_revoked_tokens_answer_401(self):
        token = self.create().json()["token"]
        for header in ("Bearer nonsense", "Token abc", "Bearer ", ""):
            with self.subTest(header=header):
                response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION=header)
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.json()["error"], "unauthorized")
        token_id = ApiToken.objects.get().public_id
        revoked = Client().delete(f"{TOKENS}/{token_id}", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(revoked.status_code, 200)
        self.assertEqual(self.get("/api/v1/patients", token).status_code, 401)

    def test_a_write_without_credentials_answers_401_not_a_csrf_403(self):
        client = Client(enforce_csrf_checks=True)
        for header in ("Bearer revoked-or-unknown", ""):
            with self.subTest(header=header):
                response = client.post(
                    "/api/v1/patients",
                    {},
                    content_type="application/json",
                    HTTP_AUTHORIZATION=header,
                )
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.json()["error"], "unauthorized")

    def test_tokens_are_listed_without_their_secret(self):
        token = self.create(name="one").json()["token"]
        listed = self.get(TOKENS, token).json()
        self.assertEqual([t["name"] for t in listed], ["one"])
        self.assertNotIn("token", listed[0])

    def test_another_users_token_cannot_be_revoked(self):
        mine = self.create().json()["token"]
        theirs = Client().post(
            TOKENS,
            {"email": "outsider@elsewhere.clinic", "password": PASSWORD},
            content_type="application/json",
        )
        their_id = theirs.json()["id"]
        response = Client().delete(f"{TOKENS}/{their_id}", HTTP_AUTHORIZATION=f"Bearer {mine}")
        self.assertEqual(response.status_code, 404)

    @override_settings(REQUIRE_2FA=True)
    def test_prescribers_need_a_one_time_code_when_two_factor_is_required(self):
        device = TOTPDevice.objects.create(user=self.prescriber, confirmed=True)
        body = {"email": "prescriber@test.clinic"}
        response = self.create(**body)
        self.assertEqual(response.status_code, 401)
        self.assertIn("otp", response.json()["fields"])
        self.assertEqual(self.create(**body, otp="000000").status_code, 401)
        reset_throttle(device)
        self.assertEqual(self.create(**body, otp=current_code(device)).status_code, 201)

    def test_session_users_can_call_the_api_with_csrf(self):
        client = self.client_for(self.nurse)
        self.assertEqual(client.get("/api/v1/patients").status_code, 200)
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(self.nurse)
        response = csrf_client.post("/api/v1/patients", {}, content_type="application/json")
        self.assertIn(response.status_code, (401, 403))


class TokenScopeTests(ClinicTestCase):
    """SMART-style scopes for the FHIR API: asked for when the token is issued, listed after."""

    def create(self, **extra):
        body = {"email": self.prescriber.email, "password": PASSWORD, **extra}
        return self.client.post("/api/v1/auth/tokens", body, content_type="application/json")

    def test_a_token_reads_as_its_user_unless_asked_otherwise(self):
        response = self.create()
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["scopes"], "user/*.read")

    def test_scopes_are_stored_and_listed(self):
        response = self.create(scopes="patient/*.read  system/*.read")
        self.assertEqual(response.json()["scopes"], "patient/*.read system/*.read")
        token = response.json()["token"]
        listed = self.client.get("/api/v1/auth/tokens", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        self.assertEqual(listed[0]["scopes"], "patient/*.read system/*.read")

    def test_unknown_scopes_are_refused(self):
        for scopes in ("admin/*.read", "user/*.read,system/*.read", "user/*.readsystem/*.read", ""):
            with self.subTest(scopes=scopes):
                self.assertEqual(self.create(scopes=scopes).status_code, 422)
