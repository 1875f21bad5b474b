"""`make mutation` mutates what `[tool.mutmut]` names: every glob matches a module of the
project and every selected test file exists, so a renamed module or test is noticed here, not
in an hour-long mutation run that silently mutates nothing."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]


def test_every_mutated_glob_matches_a_module():
    for pattern in CONFIG["only_mutate"]:
        relative = pattern.removeprefix("*/")
        matches = [p for p in (ROOT / "src").glob(relative) if "tests" not in p.parts]
        assert matches, f"only_mutate: {pattern} matches no module"


def test_every_selected_test_file_exists_and_tests_a_mutated_app():
    apps = {pattern.split("/")[2] for pattern in CONFIG["only_mutate"]}
    for name in CONFIG["pytest_add_cli_args_test_selection"]:
        path = ROOT / name
        assert path.is_file(), f"pytest_add_cli_args_test_selection: {name} does not exist"
        assert path.parts[-3] in apps, f"{name} tests no mutated app"
