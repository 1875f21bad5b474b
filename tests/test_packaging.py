"""The install prints no packaging deprecation warning: the licence is an SPDX expression
(PEP 639), which setuptools 77+ reads without its `project.license` table warning."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_the_licence_is_an_spdx_string_read_by_a_setuptools_that_knows_it():
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert data["project"]["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in data["build-system"]["requires"]
    classifiers = data["project"].get("classifiers", [])
    assert not [c for c in classifiers if c.startswith("License ::")]


def test_the_accessibility_checker_is_a_dev_dependency():
    dev = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(d.startswith("axe-playwright-python") for d in dev["dev"])


def test_the_console_script_prints_the_packages_version():
    import subprocess
    import sys

    version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    result = subprocess.run(
        [sys.executable, "-m", "ketamine_care", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"ketamine-care {version}"


def test_the_changelog_has_a_section_for_the_packages_version():
    version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    changelog = (PYPROJECT.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{version}]" in changelog
