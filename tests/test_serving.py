"""`ketamine-care migrate` then `ketamine-care serve`, as an operator runs them (issue 12 item 5).

A throwaway SQLite database and data folder; production settings (DEBUG off). `migrate`
collects the static files, `serve` runs gunicorn with 2 workers, and WhiteNoise serves the
stylesheet the pages link: hashed, compressed and cached for a year. Each request writes one
JSON log line to stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from ketamine_care.testing.migrated import migrated_sqlite_file
from ketamine_care.testing.servers import console, start_serve
from ketamine_care.testing.subprocesses import SUBPROCESS_TIMEOUT_S

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STATIC_", "COLLECTSTATIC", "DATABASE_URL", "DJANGO_", "KC_"))
    }
    env.update(
        DEBUG="False",
        SECRET_KEY="serving-test-only-" + "s" * 40,
        AUDIT_HMAC_KEY="serving-test-only-" + "a" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        KC_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    )
    return env


def test_migrate_collects_and_serve_serves_hashed_compressed_static_files(environment, tmp_path):
    # A migrated, empty database (a copy of the run's template, testing/migrated.py): the
    # operator's `migrate` still runs, finds nothing to apply and collects the static files.
    migrated_sqlite_file(tmp_path / "serve.sqlite3")
    subprocess.run(console("migrate", "--verbosity", "0"), env=environment, check=True, timeout=300)
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed_css = manifest["paths"]["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed_css)
    assert (tmp_path / "static" / f"{hashed_css}.gz").exists()

    server = start_serve(environment, workers=2, stderr=subprocess.PIPE, text=True, timeout=90)
    base = server.base_url
    try:
        status, _, body = _get(f"{base}/healthz")
        assert status == 200 and json.loads(body)["migrations"] == "ok"

        _, _, page = _get(f"{base}/accounts/login/")
        assert f'href="/static/{hashed_css}"' in page.decode()

        status, headers, _ = _get(f"{base}/static/{hashed_css}", **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert (
            "immutable" in headers["Cache-Control"]
            and "max-age=315360000" in headers["Cache-Control"]
        )
        assert "no-store" not in headers["Cache-Control"]
    finally:
        server.process.terminate()
        _, stderr = server.process.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    routes = [line["route"] for line in lines if line.get("logger") == "ketamine_care.request"]
    assert "healthz" in routes and "accounts/login/" in routes


def test_serve_refuses_a_worker_count_below_one(environment):
    result = subprocess.run(
        console("serve", "--workers", "0", "--no-collectstatic"),
        env=environment,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert result.returncode != 0
    assert "--workers must be at least 1" in result.stderr


def test_a_worker_loads_the_urls_then_freezes_what_it_loaded(environment):
    """The WSGI module loads the URL configuration at start (not on the first request) and
    moves what it loaded out of the garbage collector's way (config/wsgi.py)."""
    script = (
        "import gc, sys\n"
        "import ketamine_care.config.wsgi\n"
        "from django.urls import get_resolver\n"
        "print(gc.get_freeze_count(), 'url_patterns' in vars(get_resolver()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    frozen, loaded = result.stdout.split()
    assert int(frozen) > 10_000
    assert loaded == "True"
