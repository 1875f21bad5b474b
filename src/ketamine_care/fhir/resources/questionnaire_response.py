"""QuestionnaireResponse: every administration of a rating scale, with its item answers.

It names the Questionnaire of the exact definition version it was scored with
(`<base>Questionnaire/<code>|<version>`). Item text appears only where the instrument's
licence allows reproducing it (`licence.reproduce_text` in the definition); otherwise an item
is its link id and its answer alone. An answer with a confirmed LOINC answer code (PHQ-9,
GAD-7) is that coding; any other is the value as entered.
"""

from __future__ import annotations

import json

from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import LOINC
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref
from ketamine_care.fhir.resources.people import user_ref
from ketamine_care.fhir.resources.questionnaire import canonical, definition_of
from ketamine_care.instruments.models import Administration, Source
from ketamine_care.patients.models import RecordStatus


def _answer(item, value) -> dict:
    option = None
    if item is not None and item.options is not None:
        option = next((o for o in item.options if o.value == value), None)
    if option is not None and option.loinc_answer:
        return {"valueCoding": coding(LOINC, option.loinc_answer, option.label)}
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    if isinstance(value, str):
        return {"valueString": value}
    return {"valueString": json.dumps(value, sort_keys=True)}


def _items(row: Administration) -> list[dict] | None:
    definition = definition_of(row.instrument_code, row.definition_version)
    by_id = {item.id: item for item in definition.items} if definition else {}
    licensed = definition is not None and definition.licence.reproduce_text
    items = []
    for item_id, value in (row.answers or {}).items():
        item = by_id.get(item_id)
        entry = {"linkId": item_id, "answer": [_answer(item, value)] if value is not None else None}
        if licensed and item is not None and item.text:
            entry["text"] = item.text
        items.append(entry)
    return items or None


def to_data(row: Administration) -> dict:
    in_error = row.status == RecordStatus.ENTERED_IN_ERROR
    self_report = row.source == Source.SELF_REPORT
    return dict(
        resourceType="QuestionnaireResponse",
        id=str(row.public_id),
        meta=meta(row),
        questionnaire=canonical(row.instrument_code, row.definition_version),
        status="entered-in-error" if in_error else "completed",
        subject=patient_ref(row.patient),
        authored=row.administered_at,
        author=patient_ref(row.patient) if self_report else user_ref(row.entered_by),
        source=patient_ref(row.patient) if self_report else None,
        item=_items(row),
    )


def queryset(clinic):
    rows = Administration.objects.filter(patient__clinic=clinic)
    return rows.select_related("patient", "entered_by")


def register() -> None:
    registry.register(
        ResourceType(
            name="QuestionnaireResponse",
            to_fhir=modelled("QuestionnaireResponse", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "patient": SearchParam(REFERENCE, "patient", description="The patient"),
                "subject": SearchParam(REFERENCE, "patient", description="The patient"),
                "authored": SearchParam(DATE, "administered_at", description="When answered"),
            },
            includes={"patient": Include("Patient", "patient")},
            capability=Capability.VIEW_MEASURES,
        )
    )
