"""The bibliography: every citation in the project names a source it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

from ketamine_care.core import bibliography
from ketamine_care.core.evidence import EvidenceTag

PACKAGE = Path(bibliography.__file__).resolve().parents[1]
REPO = PACKAGE.parents[1]


def _cited_files() -> list[Path]:
    files = [*PACKAGE.rglob("*.json"), *PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.html")]
    files += [p for p in (REPO / "docs").glob("*.md") if p.name != "sources.md"]
    return [
        f
        for f in files
        if "/tests/" not in str(f) and f.name not in ("sources.json", "bibliography.py")
    ]


def test_every_citation_in_the_project_names_a_known_source() -> None:
    unknown = {}
    for path in _cited_files():
        missing = bibliography.unknown_ids(path.read_text(encoding="utf-8"))
        if missing:
            unknown[str(path.relative_to(REPO))] = sorted(set(missing))
    assert unknown == {}, f"unknown source ids (add them to core/sources.json): {unknown}"


def test_the_checker_finds_an_unknown_id() -> None:
    text = "BP limit [@spravato-uspi §2.1]; see also [@no-such-paper-1999 table 2]."
    assert bibliography.unknown_ids(text) == ["no-such-paper-1999"]


def test_a_citation_carries_its_locator() -> None:
    found = bibliography.citations("[@daly-2019 §methods] and [@chung-1995]")
    assert [(c.source_id, c.locator) for c in found] == [
        ("daly-2019", "§methods"),
        ("chung-1995", ""),
    ]


def test_render_names_the_source_for_a_reader() -> None:
    assert bibliography.render("relapse [@daly-2019 §methods].") == "relapse Daly 2019 §methods."


@pytest.mark.parametrize("source", list(bibliography.sources().values()), ids=lambda s: s.id)
def test_each_source_is_complete(source: bibliography.Source) -> None:
    assert source.label and source.authors and source.title and source.publication
    assert 1900 < source.year < 2100
    # A source carries its own evidence level: never the data-entry tags FDA or UNCONFIRMED.
    assert source.evidence in set(get_args(EvidenceTag)) - {"FDA", "UNCONFIRMED"}


def test_ids_are_unique_and_sorted() -> None:
    data = json.loads(bibliography.SOURCES_PATH.read_text(encoding="utf-8"))
    ids = [entry["id"] for entry in data["sources"]]
    assert ids == sorted(set(ids))


def test_docs_sources_md_is_generated_from_the_bibliography() -> None:
    written = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    assert written == bibliography.markdown(), (
        "docs/sources.md is stale: python -m ketamine_care.core.bibliography > docs/sources.md"
    )
