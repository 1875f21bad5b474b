"""The apps' layers hold (`[tool.importlinter]` in pyproject.toml, run by `make lint`), and the
contracts really catch a back-import: each case adds one forbidden import to a copy of the
package and expects `lint-imports` to fail on the contract it breaks."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ketamine_care.testing.subprocesses import SUBPROCESS_TIMEOUT_S

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ketamine_care"
CONFIG = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

LAYERS = "Apps depend downward only"
CORE = "core imports no app"
LEDGER = "The stock ledger knows no patient, measure, protocol or plan"


def lint_imports(path: Path) -> subprocess.CompletedProcess:
    """Run the project's contracts against the `ketamine_care` package found in `path`."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(CONFIG)],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """A copy of the package's Python modules, to add forbidden imports to."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(PACKAGE, root / "ketamine_care", ignore=_not_python)
    return root


def _not_python(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if not n.endswith(".py") and not Path(directory, n).is_dir()}


def test_the_real_tree_keeps_every_contract():
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in (LAYERS, CORE, LEDGER):
        assert f"{contract} KEPT" in result.stdout


BACK_IMPORTS = [
    # An import inside a function counts as much as one at the top of the module.
    ("core", "def probe():\n    from ketamine_care.accounts import permissions\n", {CORE, LAYERS}),
    ("patients", "def probe():\n    from ketamine_care.outcomes import queries\n", {LAYERS}),
    ("outcomes", "from ketamine_care.treatment_sessions import models\n", {LAYERS}),
    ("audit", "from ketamine_care.accounts.models import Clinic\n", {LAYERS}),
    # Siblings of one layer do not know each other.
    ("dosing", "import ketamine_care.inventory.models\n", {LAYERS}),
    ("protocols", "from ketamine_care.outcomes import rules\n", {LAYERS}),
    # Below treatment_sessions, yet the ledger must not reach into clinical records.
    ("inventory", "from ketamine_care.patients.models import Patient\n", {LEDGER}),
]


@pytest.mark.parametrize(("app", "code", "broken"), BACK_IMPORTS, ids=[c[0] for c in BACK_IMPORTS])
def test_a_back_import_breaks_the_contracts(package_copy, app, code, broken):
    probe = package_copy / "ketamine_care" / app / "_layer_probe.py"
    probe.write_text(code)
    try:
        result = lint_imports(package_copy)
    finally:
        probe.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    for contract in broken:
        assert f"{contract} BROKEN" in result.stdout
    for contract in {LAYERS, CORE, LEDGER} - broken:
        assert f"{contract} KEPT" in result.stdout
    assert f"ketamine_care.{app}._layer_probe" in result.stdout


# Only services (and the queries that audit a read) write audit events: a view or an API
# operation calls the owner's service, which records the event in its own transaction.
AUDIT_WRITERS = {"record", "record_read"}
AUDIT_MODULES = {"ketamine_care.audit.services", "ketamine_care.audit"}


def audit_calls(source: str) -> list[str]:
    """Where `source` imports or calls the audit trail's writers, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in AUDIT_MODULES:
            names = {alias.name for alias in node.names}
            if names & (AUDIT_WRITERS | {"services"}):
                found.append(f"{node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ketamine_care.audit"):
                    found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr in AUDIT_WRITERS and getattr(owner, "id", "") == "audit":
                found.append(f"{node.lineno}: audit.{node.func.attr}(...)")
    return found


def view_modules() -> list[Path]:
    """Every module that answers HTTP: views*.py, *_views.py, views/ packages and api.py."""
    modules = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        if path.name == "api.py" or "views" in path.stem or path.parent.name == "views":
            modules.append(path)
    return sorted(modules)


def test_views_and_api_operations_write_no_audit_events():
    modules = view_modules()
    assert len(modules) > 20  # every app's screens and API, the audit page included
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in modules
        if (found := audit_calls(path.read_text()))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "from ketamine_care.audit.services import record\n",
        "from ketamine_care.audit.services import record_read as seen\n",
        "from ketamine_care.audit import services\n",
        "import ketamine_care.audit.services\n",
        "def view(request):\n    audit.record(event_type='x')\n",
    ],
)
def test_the_scan_finds_each_way_of_writing_an_audit_event(source):
    assert audit_calls(source) != []


def test_the_scan_leaves_reads_of_the_trail_alone():
    assert audit_calls("from ketamine_care.audit.queries import events_for_clinic\n") == []
