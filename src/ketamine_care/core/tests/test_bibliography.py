"""The bibliography: every citation in the project names a source it holds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

from ketamine_care.core import bibliography
from ketamine_care.core.evidence import EvidenceTag

PACKAGE = Path(bibliography.__file__).resolve().parents[1]
REPO = PACKAGE.parents[1]
# The document the first data files cited lived outside the repository; nothing may point to
# it any more, not even across a line break ("clinical-" at a line's end). Archived instrument
# definitions are exempt: they are the files exactly as shipped, and stored administrations
# are verified against their SHA-256 digests.
OUTSIDE_REFERENCE = re.compile(r"clinical\W{1,10}reference", re.IGNORECASE)
ARCHIVE = PACKAGE / "instruments" / "definitions" / "archive"
CITATION_KEYS = ("source", "reference")


def _project_files() -> list[Path]:
    """Every text file of the package (code, data, templates, tests) and the docs."""
    suffixes = {".py", ".json", ".html", ".md", ".txt", ".toml", ".cfg"}
    files = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in suffixes]
    files += [*(REPO / "docs").glob("*.md"), REPO / "README.md"]
    return [f for f in files if ARCHIVE not in f.parents and f != Path(__file__).resolve()]


def _data_files() -> list[Path]:
    files = [p for p in PACKAGE.rglob("*.json") if ARCHIVE not in p.parents]
    return [f for f in files if "/tests/" not in str(f) and f.name != "sources.json"]


def _cited_values(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every `source`/`reference` value and every `sources` entry."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}/{key}"
            if (key in CITATION_KEYS or key.endswith("_source")) and isinstance(value, str):
                yield here, value
            elif key == "sources" and isinstance(value, list):
                yield from ((f"{here}/{i}", v) for i, v in enumerate(value) if isinstance(v, str))
            else:
                yield from _cited_values(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _cited_values(value, f"{path}/{index}")


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
    assert source.label and source.authors and source.title
    # A detail not yet recorded is left out, never guessed; the entry then names it in
    # `verify`, and so does a title given as a [description].
    assert source.publication or "journal" in source.verify or "publisher" in source.verify
    assert source.year is None and "year" in source.verify or 1900 < source.year < 2100
    assert not source.title.startswith("[") or "title" in source.verify
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


def test_no_file_points_to_a_reference_outside_the_repository() -> None:
    found = [
        str(path.relative_to(REPO))
        for path in _project_files()
        if OUTSIDE_REFERENCE.search(path.read_text(encoding="utf-8"))
    ]
    assert found == [], f"cite the bibliography ([@id §section]) instead: {found}"


def test_every_citation_is_well_formed() -> None:
    # Anything that opens like a citation must be one: "[@Daly 2019]" or "[@ daly-2019]" is not.
    # Code that parses citations (the bibliography, tests) holds "[@" as a literal: skipped.
    bad = {}
    for path in _project_files():
        if path.suffix == ".py" and ("/tests/" in str(path) or path.name == "bibliography.py"):
            continue
        text = path.read_text(encoding="utf-8")
        wrong = [
            text[m.start() : m.start() + 30]
            for m in re.finditer(r"\[@", text)
            if not bibliography.CITATION_RE.match(text, m.start())
        ]
        if wrong:
            bad[str(path.relative_to(REPO))] = wrong
    assert bad == {}


def test_every_source_field_of_the_data_cites_known_sources() -> None:
    bad = {}
    for path in _data_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        for where, text in _cited_values(data):
            if not bibliography.citations(text) or bibliography.unknown_ids(text):
                bad[f"{path.relative_to(REPO)}:{where}"] = text
    assert bad == {}, f"each source must cite one or more known [@id]: {bad}"


def test_the_checks_catch_an_uncited_or_outside_source() -> None:
    data = {
        "rules": [
            {"source": "Snaith bands"},
            {"source": "[@daly-2019 §methods]"},
            {"source": "[@no-such-paper-1999]"},
        ],
        "sources": ["[@kroenke-2001]", "Kroenke 2001"],
    }
    failing = [
        where
        for where, text in _cited_values(data)
        if not bibliography.citations(text) or bibliography.unknown_ids(text)
    ]
    assert failing == ["/rules/0/source", "/rules/2/source", "/sources/1"]
    assert OUTSIDE_REFERENCE.search("see clinical-reference §3.3")
    assert OUTSIDE_REFERENCE.search("not in the Clinical Reference")
    assert OUTSIDE_REFERENCE.search("(clinical-\nreference §3.1)")
    assert OUTSIDE_REFERENCE.search("NIMH trial, clinical-\n# reference §11.4")
    assert not bibliography.CITATION_RE.match("[@Daly 2019]")


def test_archived_definitions_are_the_only_files_exempt() -> None:
    # The archive holds definitions as shipped (some still cite the old document); each is
    # a released version that stored administrations name, never a current one.
    from ketamine_care.instruments.definition import list_codes, load_definition

    archived = {(p.parent.name, p.stem) for p in ARCHIVE.glob("*/*.json")}
    assert archived, "the archive is empty"
    current = {(code, load_definition(code).version) for code in list_codes()}
    assert archived.isdisjoint(current)
    assert {code for code, _ in archived} <= set(list_codes())


@pytest.mark.parametrize(
    "title,expected",
    [
        ("Ketamine in depression", "A B. Ketamine in depression. J 2020; 2020."),
        ("What is the optimal dose?", "A B. What is the optimal dose? J 2020; 2020."),
        ("Ends with a stop.", "A B. Ends with a stop. J 2020; 2020."),
    ],
)
def test_a_reference_ends_its_title_with_one_mark(title: str, expected: str) -> None:
    source = bibliography.Source(
        id="x",
        label="B 2020",
        authors="A B.",
        title=title,
        publication="J 2020",
        year=2020,
        evidence="LABEL",
    )
    assert source.reference() == expected
