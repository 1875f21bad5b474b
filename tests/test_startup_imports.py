"""A process that starts the app (a console command, a web worker) does not import the
libraries only some requests need: pyarrow and numpy (the research export's writer) and
fhir.resources' models (FHIR answers, bundles). Each is imported where it is used; together
they were about a third of every process's start."""

import json
import os
import subprocess
import sys

from ketamine_care.testing.subprocesses import SUBPROCESS_TIMEOUT_S

HEAVY = ("pyarrow", "numpy", "fhir.resources")

PROBE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as a web worker's first request loads them
print(json.dumps(sorted(m for m in sys.modules)))
"""


def test_starting_the_app_imports_no_export_or_fhir_model_library():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketamine_care.config.settings",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    modules = json.loads(probe.stdout.strip().splitlines()[-1])
    assert [m for m in modules if m.startswith(HEAVY)] == []
    # The probe does load what it should: the app's own export and FHIR packages.
    assert "ketamine_care.research.export.job" in modules
    assert "ketamine_care.fhir.resources.patient" in modules
