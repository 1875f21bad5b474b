"""Questionnaire: one per instrument definition version (`<code>-<version>`).

Built from the shipped definition (current or archived). Item text appears only where the
instrument's licence allows reproducing it (`licence.reproduce_text`); otherwise an item is
its name in the project's own words and its answer options' values, so a client can still
read a response against it. The Questionnaire's code is the LOINC panel where one is
confirmed (PHQ-9 44249-1, GAD-7 69737-5) [@loinc], else the project's instrument code. Its
`copyright` is the instrument's licence note as the current definition words it, each
citation named as a screen names it ("Chung 1995").
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import CharField, Min, Value
from django.db.models.functions import Concat

from ketamine_care.accounts.permissions import Capability
from ketamine_care.core import bibliography
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import LOINC
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import STRING, TOKEN, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding
from ketamine_care.instruments.definition import (
    UnknownInstrument,
    UnknownInstrumentVersion,
    definition,
    load_definition,
)
from ketamine_care.instruments.models import Administration

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


def _item(item, licensed: bool) -> dict:
    entry = {
        "linkId": item.id,
        # The licensed wording, or the item's name in the project's own words.
        "text": item.text if licensed and item.text else item.name,
        "code": [coding(LOINC, item.loinc)] if item.loinc else None,
    }
    if item.options is None:
        entry["type"] = "integer"
        return entry
    entry["type"] = "choice"
    entry["answerOption"] = [
        {"valueCoding": coding(LOINC, o.loinc_answer, o.label)}
        if o.loinc_answer
        else {"valueInteger": o.value}
        for o in item.options
    ]
    return entry


def to_data(row) -> dict:
    code, version = row.instrument_code, row.definition_version
    shipped = definition_of(code, version)
    base = {
        "resourceType": "Questionnaire",
        "id": fhir_id(code, version),
        "url": f"{base_url()}{code}",
        "version": version,
    }
    if shipped is None:
        return dict(**base, status="unknown", title=code)
    current = load_definition(code)
    system, panel = shipped.coding
    licensed = shipped.licence.reproduce_text
    return dict(
        **base,
        title=shipped.name,
        status="active" if current.version == version else "retired",
        subjectType=["Patient"],
        code=[coding(system, panel, shipped.name)],
        # The scale's licence, which no version changes, as the current file words it: an
        # archived file is kept as shipped, and the oldest still cite an internal document.
        copyright=bibliography.render(current.licence.note),
        item=[_item(item, licensed) for item in shipped.items],
    )


def queryset(clinic):
    """One row per instrument version the clinic has administered: its first administration
    stands for the version (the Questionnaire itself is the shipped definition)."""
    firsts = (
        Administration.objects.filter(patient__clinic=clinic)
        .order_by()
        .values("instrument_code", "definition_version")
        .annotate(first=Min("id"))
        .values("first")
    )
    key = Concat("instrument_code", Value("-"), "definition_version", output_field=CharField())
    return Administration.objects.filter(id__in=firsts).annotate(questionnaire_key=key)


def register() -> None:
    registry.register(
        ResourceType(
            name="Questionnaire",
            to_fhir=modelled("Questionnaire", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "name": SearchParam(STRING, "instrument_code", description="The instrument code"),
                "version": SearchParam(TOKEN, "definition_version", description="The version"),
            },
            capability=Capability.VIEW_MEASURES,
            patient_path=None,
            key_field="questionnaire_key",
            parse_key=lambda text: text if _ID.match(text) else None,
        )
    )
