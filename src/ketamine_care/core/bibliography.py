"""The project's bibliography (`core/sources.json`) and the citations that point into it.

Clinical data and code cite a source as ``[@id]`` or ``[@id §5.1]`` (the pandoc citation
form), so a citation is found by a regular expression and checked against the bibliography
by a test: an unknown id fails the suite. Pure: no Django import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCES_PATH = Path(__file__).with_name("sources.json")

# [@id] or [@id §section, more words]; ids are lower-case words joined by hyphens.
CITATION_RE = re.compile(r"\[@([a-z0-9][a-z0-9-]*)((?:[ ,;][^\]]*)?)\]")


@dataclass(frozen=True)
class Source:
    id: str
    label: str  # how a screen names it: "Daly 2019", "Spravato US prescribing information"
    authors: str
    title: str  # in [square brackets]: a description, where the title is not yet recorded
    year: int | None
    evidence: str
    publication: str = ""  # journal with volume and pages, or the label's version
    url: str = ""
    # What is not yet recorded and must be checked against the primary source (e.g. "title,
    # volume and pages"). A detail that is not known is left out, never guessed.
    verify: str = ""

    def reference(self) -> str:
        """The full reference, as a bibliography lists it."""
        where = "; ".join(str(part) for part in (self.publication, self.year) if part)
        title = self.title if self.title.endswith(("?", "!", ".")) else f"{self.title}."
        text = f"{self.authors} {title}" + (f" {where}." if where else "")
        if self.verify:
            text += f" (To verify: {self.verify}.)"
        return f"{text} {self.url}".strip()


@dataclass(frozen=True)
class Citation:
    source_id: str
    locator: str  # "§5.1", "table 2", or ""


@cache
def sources() -> dict[str, Source]:
    """Every source of the bibliography by id."""
    data = json.loads(SOURCES_PATH.read_text(encoding="utf-8"))
    return {entry["id"]: Source(**entry) for entry in data["sources"]}


def citations(text: str) -> list[Citation]:
    """The citations written in ``text``, in order."""
    return [
        Citation(match.group(1), match.group(2).strip(" ,;"))
        for match in CITATION_RE.finditer(text or "")
    ]


def unknown_ids(text: str) -> list[str]:
    """Citation ids in ``text`` that the bibliography does not hold."""
    known = sources()
    return [c.source_id for c in citations(text) if c.source_id not in known]


def render(text: str) -> str:
    """Plain text with each ``[@id §x]`` replaced by the source's label and locator."""

    def label(match: re.Match[str]) -> str:
        return named(match.group(1), match.group(2))

    return CITATION_RE.sub(label, text or "")


def named(source_id: str, locator: str = "") -> str:
    """A source as a reader sees it: its label (its id when unknown), then the locator."""
    source = sources().get(source_id)
    shown = source.label if source else source_id
    return f"{shown} {locator.strip(' ,;')}".strip()


def split_sources(text: str) -> tuple[str, list[str]]:
    """``text`` as a screen or an alert shows it, and the sources it cites, to fold away: each
    parenthesised part that cites a source is taken out whole, then each bare citation.
    "2 mg/kg is outside 0.5-1 mg/kg (0.5 mg/kg standard [@fava-2018])" gives
    ("2 mg/kg is outside 0.5-1 mg/kg", ["0.5 mg/kg standard [@fava-2018]"])."""
    kept, found, depth, start = [], [], 0, 0
    text = text or ""
    for index, char in enumerate(text):
        if char == "(":
            if depth == 0:
                kept.append(text[start:index])
                start = index
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                group = text[start : index + 1]
                if "[@" in group:
                    found.append(group[1:-1].strip())
                else:
                    kept.append(group)
                start = index + 1
    kept.append(text[start:])
    plain = "".join(kept)
    found.extend(match.group(0) for match in CITATION_RE.finditer(plain))
    plain = CITATION_RE.sub("", plain)
    plain = re.sub(r"\s+([:;,.])", r"\1", re.sub(r"\s{2,}", " ", plain)).strip()
    return plain, found


def markdown() -> str:
    """`docs/sources.md`: the bibliography as a reader sees it."""
    lines = [
        "# Sources",
        "",
        "The bibliography every clinical number in ketamine-care cites. Data and code write",
        "`[@id]` or `[@id §section]`; the ids below are the only ones a test accepts. This file is",
        "generated from `src/ketamine_care/core/sources.json`: run",
        "`python -m ketamine_care.core.bibliography > docs/sources.md` after editing it.",
        "",
        "A title in [square brackets] describes a work whose exact title is not yet recorded here;",
        '"To verify" lists the details still to be checked against the primary source. A detail',
        "that is not known is left out, never guessed. Sources tagged INSTITUTIONAL include the",
        "project's own entries for clinic-editable defaults: values no published source fixes.",
        "",
        "| id | reference | evidence |",
        "|---|---|---|",
    ]
    for source in sources().values():
        lines.append(f"| `{source.id}` | {source.reference()} | {source.evidence} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
