"""The apps' layers hold (`[tool.importlinter]` in pyproject.toml, run by `make lint`), and the
contracts really catch a back-import: each case adds one forbidden import to a copy of the
package and expects `lint-imports` to fail on the contract it breaks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
        timeout=120,
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
