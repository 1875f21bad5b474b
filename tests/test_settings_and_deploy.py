import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ketamine_care.config.env import (
    database_from_url,
    env_bool,
    env_secret,
    with_postgres_settings,
    with_prepared_statements,
)
from ketamine_care.testing.subprocesses import SUBPROCESS_TIMEOUT_S


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The test run's own settings variables must not leak into the process under test.
    test_only = (
        "DEBUG",
        "DATABASE_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "SECURE_SSL_REDIRECT",
        "REQUIRE_2FA",
        "AXES_ENABLED",
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
    )
    base = {k: v for k, v in os.environ.items() if k not in test_only}
    return subprocess.run(
        [sys.executable, "-m", "ketamine_care", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "DEBUG": "False",
        "SECRET_KEY": "p" * 20 + "roduction-secret-key-of-sufficient-length",
        "ALLOWED_HOSTS": "clinic.example.org",
        "REQUIRE_2FA": "True",
        "KC_DATA_DIR": str(tmp_path),
    }
    result = run_cli("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_secret_key_is_required_outside_debug(tmp_path):
    result = run_cli(
        "check", env={"DEBUG": "False", "SECRET_KEY": "", "KC_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_check_deploy_warns_when_two_factor_is_off(tmp_path):
    env = {
        "DEBUG": "False",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "x.org",
        "REQUIRE_2FA": "False",
        "KC_DATA_DIR": str(tmp_path),
    }
    result = run_cli("check", "--deploy", env=env)
    assert "ketamine_care.W001" in result.stdout + result.stderr


def test_database_urls():
    pg = database_from_url(
        "postgres://u:p%40ss@db.local:5433/kc?sslmode=require", base_dir=Path("/")
    )
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql",
        "kc",
        "u",
        "p@ss",
        "db.local",
        "5433",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    lite = database_from_url("sqlite:///relative/kc.db", base_dir=Path("/srv"))
    assert lite["NAME"] == "/srv/relative/kc.db"
    assert "journal_mode=WAL" in lite["OPTIONS"]["init_command"]
    assert "busy_timeout=5000" in lite["OPTIONS"]["init_command"]
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x/y", base_dir=Path("/"))


def test_postgres_connections_get_session_settings_after_the_urls_own_options():
    url = "postgres://kc@h/kc?options=-c%20statement_timeout%3D5000"
    pg = with_postgres_settings(
        database_from_url(url, base_dir=Path("/")), max_parallel_workers_per_gather=0
    )
    assert pg["OPTIONS"]["options"] == (
        "-c statement_timeout=5000 -c max_parallel_workers_per_gather=0"
    )
    lite = database_from_url("sqlite:///:memory:", base_dir=Path("/"))
    assert (
        "options" not in with_postgres_settings(lite, max_parallel_workers_per_gather=0)["OPTIONS"]
    )


def test_postgres_connections_may_prepare_statements_only_when_the_setting_is_on():
    url = "postgres://kc@db.internal:5432/kc"
    on = with_prepared_statements(database_from_url(url, base_dir=Path("/")), True)
    off = with_prepared_statements(database_from_url(url, base_dir=Path("/")), False)
    assert on["OPTIONS"]["prepare_threshold"] == 5
    assert "prepare_threshold" not in off["OPTIONS"]
    lite = database_from_url("sqlite:///:memory:", base_dir=Path("/"))
    assert "prepare_threshold" not in with_prepared_statements(lite, True)["OPTIONS"]


def test_database_urls_keep_connection_settings_and_paths(tmp_path):
    pg = database_from_url("postgresql://kc@127.0.0.1/kc", base_dir=Path("/"))
    assert (pg["CONN_MAX_AGE"], pg["CONN_HEALTH_CHECKS"]) == (60, True)
    assert (pg["PORT"], pg["PASSWORD"], pg["OPTIONS"]) == ("", "", {})
    assert database_from_url("pgsql://h/kc", base_dir=Path("/"))["HOST"] == "h"
    for memory in ("sqlite:///:memory:", "sqlite://:memory:"):
        lite = database_from_url(memory, base_dir=Path("/srv"))
        assert (lite["NAME"], lite["OPTIONS"]["transaction_mode"]) == (":memory:", "IMMEDIATE")
    absolute = database_from_url(f"sqlite:///{tmp_path}/db/kc.db", base_dir=Path("/srv"))
    assert absolute["NAME"] == f"{tmp_path}/db/kc.db"
    assert (tmp_path / "db").is_dir()  # created, so SQLite can create the file
    assert "CONN_MAX_AGE" not in absolute  # Django's default (0) for SQLite
    with pytest.raises(ImproperlyConfigured, match="'mysql' is not supported"):
        database_from_url("mysql://x/y", base_dir=Path("/"))


def test_env_helpers(monkeypatch, tmp_path):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("FLAG", False)
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("TOKEN_FILE", str(secret_file))
    secret = env_secret("TOKEN")
    assert secret == "from-file"
    assert "from-file" not in repr(secret)


def test_sqlite_databases_are_created_in_wal_mode(tmp_path):
    db_file = tmp_path / "data" / "kc.sqlite3"
    env = {"DEBUG": "True", "KC_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{db_file}"}
    # The operator's first command makes the folder and the database, in WAL mode from its
    # first connection on (a mode SQLite keeps in the file). `--plan` applies nothing: the
    # migrations themselves (some 15-20 s of CPU) are not what this tests.
    assert not db_file.parent.exists()
    result = run_cli("migrate", "--plan", env=env)
    assert result.returncode == 0, result.stderr
    assert db_file.exists()
    assert sqlite3.connect(db_file).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_email_urls_become_djangos_settings():
    from ketamine_care.config.env import email_from_url

    smtp = email_from_url("smtp://mailer:secret@mail.example.org:587/?tls=True")
    assert smtp["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"]) == ("mail.example.org", 587)
    assert (smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == ("mailer", "secret")
    assert smtp["EMAIL_USE_TLS"] is True and smtp["EMAIL_USE_SSL"] is False
    implicit_tls = email_from_url("smtp://mail.example.org:465/?ssl=True")
    assert implicit_tls["EMAIL_USE_SSL"] is True and implicit_tls["EMAIL_USE_TLS"] is False
    console = email_from_url("console://")
    assert console["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    with pytest.raises(ImproperlyConfigured, match="unknown scheme 'carrier-pigeon'"):
        email_from_url("carrier-pigeon://coop")


def test_an_unknown_email_url_stops_the_start_with_its_name(tmp_path):
    result = run_cli(
        "check",
        env={"DEBUG": "True", "EMAIL_URL": "nope://x", "KC_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "EMAIL_URL: unknown scheme 'nope'" in result.stderr


def test_the_demo_keeps_sent_mail_as_files_in_its_data_folder(tmp_path):
    script = (
        "from django.conf import settings; "
        "print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    )
    result = run_cli("shell", "-c", script, env={"DEBUG": "True", "KC_DATA_DIR": str(tmp_path)})
    backend, path = result.stdout.split()[-2:]
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(tmp_path / "sent-mail")


# The test run's static-file shortcuts (conftest.py) unset: the demo's own defaults apply.
DEMO_DEFAULTS = {"STATIC_MANIFEST": "", "COLLECTSTATIC_ON_MIGRATE": "", "STATIC_ROOT": ""}


def test_the_demo_runs_with_debug_off_but_local(tmp_path):
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.STATIC_MANIFEST, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE); "
        "print(s.EMAIL_FILE_PATH); print(','.join(s.ALLOWED_HOSTS))"
    )
    env = {"DEMO": "True", "KC_DATA_DIR": str(tmp_path), **DEMO_DEFAULTS}
    result = run_cli("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    flags, mail_path, hosts = result.stdout.split()[-6:-2], *result.stdout.split()[-2:]
    # DEBUG off and hashed static files; plain http on localhost, mail kept as files.
    assert flags == ["False", "True", "False", "False"]
    assert mail_path == str(tmp_path / "sent-mail")
    assert hosts == "127.0.0.1,localhost"


def test_outside_the_demo_debug_off_still_needs_its_keys(tmp_path):
    result = run_cli("check", env={"DEBUG": "False", "KC_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_the_console_script_starts_the_demo_without_debug(monkeypatch):
    import django.core.management

    import ketamine_care.__main__ as cli

    skip = ("DEBUG", "DEMO", "REQUIRE_2FA")
    environ = {k: v for k, v in os.environ.items() if k not in skip}
    monkeypatch.setattr(os, "environ", environ)  # restored after the test
    seen = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", seen.append)
    cli.main(["ketamine-care", "demo", "--no-serve"])
    assert seen == [["ketamine-care", "demo", "--no-serve"]]
    assert environ["DEMO"] == "True"
    assert "DEBUG" not in environ
    assert environ["REQUIRE_2FA"] == "False"
