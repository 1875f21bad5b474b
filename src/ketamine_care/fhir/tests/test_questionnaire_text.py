"""The Questionnaire of every shipped instrument version, current or archived, names no
document outside the repository and shows each citation as a reader reads it."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from ketamine_care.fhir.resources import questionnaire
from ketamine_care.instruments.definition import ARCHIVE_DIR, list_codes, load_definition

SHIPPED = [(code, load_definition(code).version) for code in list_codes()]
ARCHIVED = [(path.parent.name, path.stem) for path in sorted(ARCHIVE_DIR.glob("*/*.json"))]
OUTSIDE_REFERENCE = re.compile(r"clinical[-\s]+reference", re.IGNORECASE)


def _questionnaire(code: str, version: str) -> dict:
    row = SimpleNamespace(instrument_code=code, definition_version=version)
    return questionnaire.to_data(row)


@pytest.mark.parametrize(("code", "version"), SHIPPED + ARCHIVED)
def test_a_questionnaire_cites_no_internal_document_and_no_raw_citation(code, version):
    text = json.dumps(_questionnaire(code, version), ensure_ascii=False)
    assert not OUTSIDE_REFERENCE.search(text)
    assert "[@" not in text


def test_a_retired_version_words_the_licence_as_the_current_definition():
    # MOAA/S 1.0.0 as shipped names a section of an internal document as its source.
    shipped = load_definition("moaas").version
    retired, current = _questionnaire("moaas", "1.0.0"), _questionnaire("moaas", shipped)
    assert retired["status"] == "retired" and current["status"] == "active"
    assert retired["copyright"] == current["copyright"]
    assert "Chernik 1990" in retired["copyright"]
