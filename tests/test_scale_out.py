"""Two app servers, one PostgreSQL: several `ketamine-care serve` processes behave as one system
(issue 12 item 8). One client alternates its requests between two servers on two ports:

- a sign-in on one server is valid on the other (sessions live in the database);
- failed sign-ins on both count toward one lock-out (django-axes' tables, not memory);
- a job queued through one server (an admin's *Retry* of a failed job) runs on the worker.

PostgreSQL only: the PostgreSQL run (`pytest --postgres`, part of `make test`) fails rather
than skips when no server can be started; the SQLite run skips it (one SQLite file is not the
deployment this describes).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from ketamine_care.testing.migrated import migrated_postgres
from ketamine_care.testing.servers import console, health, start_serve
from ketamine_care.testing.subprocesses import SUBPROCESS_TIMEOUT_S

pytestmark = [
    pytest.mark.database_engine,
    pytest.mark.only_on("postgresql"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.skipif(
        os.environ.get("KC_TEST_DATABASE") != "postgresql",
        reason="several app servers share one PostgreSQL (pytest --postgres)",
    ),
]

PASSWORD = "scale-out-password-1234"
SEED = f"""
import django; django.setup()
from ketamine_care.accounts.models import Clinic, Membership, User
from ketamine_care.jobs.models import Job
clinic = Clinic.objects.create(name="Scale-out Clinic")
for email, role in (("admin@scale.test", "clinic_admin"), ("nurse@scale.test", "nurse")):
    user = User.objects.create_user(email, "{PASSWORD}", full_name=role)
    Membership.objects.create(user=user, clinic=clinic, role=role)
job = Job.objects.create(name="audit.anchor", clinic=clinic, status="failed", attempts=5,
                         max_attempts=5, last_error="cannot write the anchor file: No space")
print(job.public_id)
"""


class Browser:
    """One client (one cookie jar) whose requests go to whichever server it is told."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()]
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, url: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Referer": url})
        try:
            with self.opener.open(request, timeout=60) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", ""), exc.read().decode()

    def token(self, url: str) -> str:
        _, _, page = self.request(url)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def post_form(self, base: str, path: str, data: dict, *, form: str | None = None):
        """POST to `base` + `path` with the CSRF token of the page `form` (default: the same
        URL), which may come from the other server."""
        token = self.token(form or f"{base}{path}")
        return self.request(f"{base}{path}", {"csrfmiddlewaretoken": token, **data})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def deployment(tmp_path: Path):
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"kc_scale_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(base, autocommit=True)
    migrated_postgres(base, name)  # `migrate` below then has nothing left to apply
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KC_", "STATIC"))}
    env.update(
        DEBUG="False",
        SECRET_KEY="scale-out-test-only-" + "s" * 40,
        AUDIT_HMAC_KEY="scale-out-test-only-" + "a" * 40,
        AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.jsonl"),
        ALLOWED_HOSTS="127.0.0.1",
        REQUIRE_2FA="False",
        AXES_FAILURE_LIMIT="3",
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        STATIC_MANIFEST="False",
        COLLECTSTATIC_ON_MIGRATE="False",
        LOG_REQUESTS="False",
        KC_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"{base.rsplit('/', 1)[0]}/{name}",
    )
    servers = []
    try:
        subprocess.run(console("migrate", "-v", "0"), env=env, check=True, timeout=600)
        seeded = subprocess.run(
            [sys.executable, "-c", SEED],
            env={**env, "DJANGO_SETTINGS_MODULE": "ketamine_care.config.settings"},
            check=True,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_S,
        )
        for _ in range(2):
            servers.append(start_serve(env, workers=1))
        bases = [server.base_url for server in servers]
        for url in bases:
            assert health(url)["status"] == "ok"
        yield {"env": env, "bases": bases, "job": seeded.stdout.strip(), "db": env["DATABASE_URL"]}
    finally:
        for server in servers:
            server.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _job_status(db_url: str, public_id: str) -> str:
    import psycopg

    with psycopg.connect(db_url) as db:
        query = "SELECT status FROM jobs_job WHERE public_id = %s"
        return db.execute(query, [public_id]).fetchone()[0]


def test_two_servers_share_sign_in_lock_out_and_jobs(deployment):
    one, two = deployment["bases"]
    jobs_page = "/accounts/administration/jobs/"

    # Signed in on one server, the same session cookie works on the other.
    admin = Browser()
    status, location, _ = admin.post_form(
        one, "/accounts/login/", {"email": "admin@scale.test", "password": PASSWORD}
    )
    assert (status, location) == (302, "/accounts/administration/")
    status, _, page = admin.request(f"{two}{jobs_page}")
    assert status == 200 and "No space" in page, "the sign-in did not survive on server two"

    # Failed sign-ins alternate between the servers and count toward one lock-out (3): the
    # third, on server one, is refused as locked, and so is the right password on server two.
    nurse = Browser()
    wrong = {"email": "nurse@scale.test", "password": "wrong"}
    answers = [nurse.post_form(base, "/accounts/login/", wrong)[0] for base in (one, two, one)]
    assert answers == [200, 200, 429], "the servers did not count each other's failures"
    right = {"email": "nurse@scale.test", "password": PASSWORD}
    assert nurse.post_form(two, "/accounts/login/", right)[0] == 429

    # A job queued through server two (Retry, with a form from server one) runs on the worker.
    job = deployment["job"]
    retry = f"{jobs_page}{job}/retry/"
    status, location, _ = admin.post_form(two, retry, {}, form=f"{one}{jobs_page}")
    assert (status, location) == (302, jobs_page)
    assert _job_status(deployment["db"], job) == "queued"
    worker = ("worker", "--batch", "--no-startup-delay", "-v", "0")
    subprocess.run(console(*worker), env=deployment["env"], check=True, timeout=300)
    assert _job_status(deployment["db"], job) == "done"
    assert Path(deployment["env"]["AUDIT_ANCHOR_FILE"]).read_text().count("\n") >= 1
    _, _, page = admin.request(f"{one}{jobs_page}")
    assert "No space" not in page and "No failed jobs." in page
    with urllib.request.urlopen(f"{one}/healthz", timeout=10) as response:
        assert json.loads(response.read())["worker"] == "ok"  # the worker's heartbeat
