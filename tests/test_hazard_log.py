"""The hazard log's evidence: every control names tests that exist.

`docs/HAZARD_LOG.md` lists each hazard with the tests that prove its controls, written as
pytest node ids in backticks (`path/to/test_file.py::Class::test_name`). A control whose test
is renamed or deleted would silently lose its evidence, so this test fails on any node id that
does not resolve to a test function in the repository.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "docs" / "HAZARD_LOG.md"
NODE_RE = re.compile(r"`([\w/.-]+\.py(?:::[\w\[\]-]+)+)`")
HAZARD_RE = re.compile(r"^### (HAZ-\d+)\b.*$", re.MULTILINE)


@cache
def _names_in(path: Path) -> frozenset[str]:
    """Every `Class::method` and module-level `function` defined in a test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{item.name}")
    return frozenset(names)


def missing_tests(text: str, root: Path = REPO) -> list[str]:
    """The node ids written in `text` that name no existing test."""
    missing = []
    for node_id in NODE_RE.findall(text):
        file_part, _, name = node_id.partition("::")
        path = root / file_part
        name = re.sub(r"\[.*\]$", "", name)  # a parametrised case names its function
        if not path.is_file() or name not in _names_in(path):
            missing.append(node_id)
    return missing


def hazards_without_tests(text: str) -> list[str]:
    """Hazard ids whose section names no test at all."""
    sections = HAZARD_RE.split(text)[1:]
    return [
        hid
        for hid, body in zip(sections[::2], sections[1::2], strict=True)
        if not NODE_RE.search(body)
    ]


def test_every_test_the_hazard_log_names_exists() -> None:
    assert missing_tests(LOG.read_text(encoding="utf-8")) == []


def test_every_hazard_has_at_least_one_test() -> None:
    text = LOG.read_text(encoding="utf-8")
    assert HAZARD_RE.findall(text), "the hazard log lists no hazards"
    assert hazards_without_tests(text) == []


def test_the_checker_fails_on_a_test_that_does_not_exist() -> None:
    text = (
        "`tests/test_hazard_log.py::test_every_hazard_has_at_least_one_test` and "
        "`tests/test_hazard_log.py::test_no_such_control` and "
        "`tests/no_such_file.py::SomeTests::test_x`"
    )
    assert missing_tests(text) == [
        "tests/test_hazard_log.py::test_no_such_control",
        "tests/no_such_file.py::SomeTests::test_x",
    ]


def test_the_checker_finds_a_hazard_with_no_evidence() -> None:
    evidence = "`tests/test_hazard_log.py::test_every_hazard_has_at_least_one_test`"
    text = f"### HAZ-01 A\n{evidence}\n### HAZ-02 B\nnone\n"
    assert hazards_without_tests(text) == ["HAZ-02"]
