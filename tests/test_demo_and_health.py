import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.audit.verify import verify_all
from ketamine_care.patients.models import Patient
from ketamine_care.testing.demo_snapshot import load_demo_once
from ketamine_care.testing.migrated import migrated_sqlite_file


# On the demo's database (`make demo`), SQLite, only: the PostgreSQL pass still runs the
# `demo` command and verifies the audit trail of what it loaded (tests/test_backup.py, after
# a restore), and loads the demo for real once more (`testing.demo_snapshot.load_demo_once`,
# whose copy tests/test_demo_snapshot.py checks row for row). The first load is the run's
# (`load_demo_once`: the real `load_demo()` once per run, copied in after that); the `demo`
# command then runs for real on top of it, which must add nothing and list every sign-in. The
# command's own run on an empty database is tests/test_backup.py's first step (both passes).
@pytest.mark.only_on("sqlite")
@pytest.mark.django_db
def test_demo_data_is_complete_and_idempotent(capsys):
    load_demo_once()
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert "Patients created now: 0" in out
    demo = Clinic.objects.get(name="Demo Clinic")
    assert Patient.objects.filter(clinic=demo).count() == 40
    assert Clinic.objects.filter(name="Other Clinic").count() == 1
    for role in Role:
        user = User.objects.get(email=f"{role.value}@demo.clinic")
        assert user.check_password("demo")
        assert Membership.objects.get(user=user).role == role.value
        assert f"{role.value}@demo.clinic" in out
    assert User.objects.get(email="prescriber@other.clinic").check_password("demo")
    assert "prescriber@other.clinic" in out
    assert all(report.ok for report in verify_all())
    patient = Patient.objects.filter(clinic=demo).first()
    assert patient.diagnoses.exists() and patient.medications.exists()
    assert patient.measurements.filter(weight_kg__isnull=False).exists()


@pytest.mark.django_db
def test_healthz_reports_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "worker": "none",  # no worker has beaten in the test database
    }


@pytest.mark.django_db
def test_healthz_is_503_while_a_migration_is_pending(monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    from ketamine_care.core import views

    monkeypatch.setattr(views, "_schema_current", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: ["0099_next"])
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "migrations": "pending",
        "worker": "none",
    }
    monkeypatch.undo()
    monkeypatch.setattr(views, "_schema_current", False)
    assert Client().get("/healthz").json()["migrations"] == "ok"  # applied: it looks again
    assert views._schema_current is True  # and then no more


@pytest.mark.django_db
def test_openapi_document_is_served():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/patients" in response.json()["paths"]


class _FakeWorker:
    pid = 4242
    terminated = False

    def __init__(self, argv):
        self.argv = argv

    def terminate(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


@pytest.mark.django_db
def test_demo_runs_a_worker_beside_the_server_and_stops_it(monkeypatch, capsys):
    from ketamine_care.demo.management.commands import demo

    started, served = [], []

    def popen(argv):
        started.append(_FakeWorker(argv))
        return started[-1]

    def fake_call_command(name, *args, **kwargs):
        if name == "runserver":
            served.append(args)
            assert started and not started[0].terminated  # the worker runs while serving
            raise KeyboardInterrupt  # the operator stops the demo
        return call_command(name, *args, **kwargs)

    monkeypatch.setattr(demo.subprocess, "Popen", popen)
    monkeypatch.setattr(demo.signal, "signal", lambda *args: None)
    monkeypatch.setattr(demo, "call_command", fake_call_command)
    monkeypatch.setattr(demo, "load_demo", lambda: {"patients_created": 0, "logins": []})
    with pytest.raises(KeyboardInterrupt), override_settings(EMAIL_FILE_PATH="/srv/kc/sent-mail"):
        call_command("demo", "--port", "8123")
    assert served == [("127.0.0.1:8123",)]
    assert started[0].argv[1:4] == ["-m", "ketamine_care", "worker"]
    assert started[0].terminated
    out = capsys.readouterr().out
    assert "Background worker started (pid 4242)" in out
    assert "Background worker stopped (pid 4242)" in out
    assert "Sent e-mail (invitations, resets) is written to /srv/kc/sent-mail" in out


DEMO_PAGES = """
from django.test import Client, override_settings
from django.conf import settings
client = Client()
login = client.get("/accounts/login/")
css = login.content.decode().split('rel="stylesheet" href="')[1].split('"')[0]
print("debug", settings.DEBUG)
print("login", login.status_code)
print("css", css, client.get(css).status_code)
missing = client.get("/no-such-page/")
print("missing", missing.status_code, b"There is nothing at this address" in missing.content)
print("technical", b"URLconf" in missing.content)
"""


def test_the_demo_serves_hashed_static_files_and_the_project_404_with_debug_off(tmp_path):
    """The demo's `migrate` collects the static files itself (no step by hand); with DEBUG
    off WhiteNoise serves them under hashed names and an unknown page gets the project's 404,
    not Django's technical page."""
    from tests.test_settings_and_deploy import DEMO_DEFAULTS, run_cli

    env = {"DEMO": "True", "KC_DATA_DIR": str(tmp_path), **DEMO_DEFAULTS}
    # The demo's database, migrated and empty (a copy of the run's template): its `migrate`
    # finds nothing to apply and collects the static files.
    migrated_sqlite_file(tmp_path / "ketamine-care.sqlite3")
    setup = run_cli("migrate", "--verbosity", "0", env=env)
    assert setup.returncode == 0, setup.stderr
    env["ALLOWED_HOSTS"] = "testserver"
    pages = run_cli("shell", "-c", DEMO_PAGES, env=env)
    assert pages.returncode == 0, pages.stderr
    lines = dict(line.split(" ", 1) for line in pages.stdout.splitlines() if " " in line)
    assert lines["debug"] == "False"
    assert lines["login"] == "200"
    css_path, css_status = lines["css"].split()
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", css_path)
    assert css_status == "200"
    assert lines["missing"] == "404 True"
    assert lines["technical"] == "False"
