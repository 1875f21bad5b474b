"""Section numbers come with their source: every "§" the package ships (data, code, screens)
belongs to a citation of the bibliography, so no text cites a section of a document outside
the repository ("(§8.7, §15)", "style guide §4.10"), and no data text the clinic reads says
what "the reference" gives."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketamine_care.core import bibliography

PACKAGE = Path(bibliography.__file__).resolve().parents[1]
# Archived instrument definitions are the files exactly as shipped (stored administrations
# verify against their digests); no screen or export shows their notes or sources.
ARCHIVE = PACKAGE / "instruments" / "definitions" / "archive"
# The module that defines the citation syntax and the tests of the checks write a bare "§5.1"
# or an outside document's section as an example.
SYNTAX = {
    Path(bibliography.__file__).resolve(),
    Path(__file__).resolve(),
    Path(__file__).with_name("test_bibliography.py").resolve(),
}
SUFFIXES = {".py", ".json", ".html", ".md", ".txt"}
# "the reference" in a data text meant the internal document; a laboratory's reference
# limit or range is another thing.
INTERNAL_DOCUMENT = re.compile(
    r"\b(?:the|stored) reference\b(?!\s+(?:limit|range|interval|value))", re.IGNORECASE
)


def bare_locators(text: str) -> list[str]:
    """Each "§" in `text` that no citation owns, with the words before it. A citation owns it
    inside `[@id §5]`, after a known id ("spravato-uspi §5", a surveillance source) or after a
    known source's label ("Daly 2019 §methods", as `bibliography.render` writes it)."""
    known = bibliography.sources()
    owners = tuple(f"{name} " for name in (*known, *(s.label for s in known.values())))
    cited = [m.span() for m in bibliography.CITATION_RE.finditer(text)]
    found = []
    for match in re.finditer("§", text):
        at = match.start()
        if any(start <= at < end for start, end in cited) or text[:at].endswith(owners):
            continue
        found.append(text[max(0, at - 40) : at + 12].replace("\n", " "))
    return found


def _shipped_files() -> list[Path]:
    files = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in SUFFIXES]
    return [f for f in files if ARCHIVE not in f.parents and f not in SYNTAX]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_every_section_number_belongs_to_a_citation() -> None:
    bare = {}
    for path in _shipped_files():
        found = bare_locators(path.read_text(encoding="utf-8"))
        if found:
            bare[str(path.relative_to(PACKAGE))] = found
    assert bare == {}, f"cite the primary source as [@id §section] or drop the section: {bare}"


def test_no_data_text_says_what_the_reference_gives() -> None:
    found = {}
    for path in _shipped_files():
        if path.suffix != ".json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        said = [text for text in _strings(data) if INTERNAL_DOCUMENT.search(text)]
        if said:
            found[str(path.relative_to(PACKAGE))] = said
    assert found == {}, f"say what no cited source gives instead: {found}"


@pytest.mark.parametrize(
    "text",
    [
        "age 90+ [@hipaa-safe-harbor §164.514(b)(2)(i)(C)]",
        "assess patients with psychosis carefully [@spravato-uspi §5]",
        "relapse [@daly-2019 §methods, table 2]",
        '"source": "spravato-uspi §5"',
        "Source: Spravato US prescribing information (v18, 2026) §2",
        "shown by its label (Daly 2019 §x)",
        "no section at all [@chung-1995]",
    ],
)
def test_a_cited_section_passes(text: str) -> None:
    assert bare_locators(text) == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Psychotic disorders exclude every protocol (§8.7, §15).", 2),
        ("as the digest says (§12.13)", 1),
        ("clinical data stored as data (style guide §4.10)", 1),
        ("allowed strengths and whole devices (§3.1-§3.3)", 2),
        ("an unknown id no-such-paper-1999 §3", 1),
        ("a citation, then a bare one [@spravato-uspi §2] (§3.1)", 1),
    ],
)
def test_a_bare_section_is_found(text: str, count: int) -> None:
    assert len(bare_locators(text)) == count


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("the reference gives no weight threshold", True),
        ("No action given in the reference.", True),
        ("not in the stored reference", True),
        ("read against the laboratory's upper reference limit", False),
        ("Set by the clinic [@ketamine-care-defaults]", False),
    ],
)
def test_the_internal_document_is_told_from_a_reference_limit(text: str, flagged: bool) -> None:
    assert bool(INTERNAL_DOCUMENT.search(text)) is flagged
