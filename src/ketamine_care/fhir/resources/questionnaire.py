"""Questionnaire: one per instrument definition version (`<code>-<version>`).

Built from the shipped definition (current or archived). Item text appears only where the
instrument's licence allows reproducing it (`licence.reproduce_text`); otherwise an item is
its name in the project's own words and its answer options' values, so a client can still
read a response against it. The Questionnaire's code is the LOINC panel where the clinical
reference confirms one (PHQ-9 44249-1, GAD-7 69737-5), else the project's instrument code.
"""

from __future__ import annotations

import re

from django.conf import settings

from ketamine_care.instruments.definition import (
    UnknownInstrument,
    UnknownInstrumentVersion,
    definition,
)

_ID = re.compile(r"^([a-z][a-z0-9_]*)-([0-9A-Za-z][0-9A-Za-z.]*)$")


def base_url() -> str:
    """The canonical base of the project's Questionnaires, beside its code systems."""
    return settings.FHIR_CODE_SYSTEM_BASE.replace("/CodeSystem/", "/Questionnaire/")


def canonical(code: str, version: str) -> str:
    return f"{base_url()}{code}|{version}"


def fhir_id(code: str, version: str) -> str:
    return f"{code}-{version}"


def parse_id(value: str) -> tuple[str, str] | None:
    """(code, version) from an id (`phq9-1.0.0`) or a canonical (`<base>phq9|1.0.0`)."""
    if value.startswith(base_url()) and "|" in value:
        code, _, version = value[len(base_url()) :].partition("|")
        return code, version
    match = _ID.match(value)
    return (match.group(1), match.group(2)) if match else None


def definition_of(code: str, version: str):
    """The definition of that version, or None when it is not shipped."""
    try:
        return definition(code, version)
    except (UnknownInstrument, UnknownInstrumentVersion):
        return None
