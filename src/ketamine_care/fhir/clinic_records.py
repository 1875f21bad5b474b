"""The platform's own rows that belong to one clinic, table by table, in an order a fresh
database can load them in (a table after the tables it refers to).

A table belongs to the clinic when a chain of at most three foreign keys leads from it to
the clinic (a patient's allergy: patient -> clinic; a reading: session -> patient -> clinic);
users are the clinic's members; the audit tables go by the clinic's chains. Tables with no
such chain are the installation's own (reference data every clinic shares) and are named in
`shared_tables()`. Tables the database derives from others (`DERIVED_TABLES`) are neither
exported nor imported: the importing database derives them again.
"""

from __future__ import annotations

from django.apps import apps
from django.core import serializers
from django.db import models

from ketamine_care.audit.models import AuditChainHead, AuditEvent
from ketamine_care.audit.services import chain_key, chain_keys

MAX_DEPTH = 3
# PostgreSQL's trigger writes each patient's names into patients.SearchName (migration
# patients 0006), with ids of its own: rows imported with the exporting database's ids would
# meet the names the trigger just wrote for the imported patients, under other ids, and break
# the table's uniqueness (the import failed for a clinic from an installation with more than
# one clinic).
DERIVED_TABLES = frozenset({"patients.searchname"})


def _path_to_clinic(model, clinic_model, depth: int = 0) -> str | None:
    if model is clinic_model:
        return "pk"
    if depth >= MAX_DEPTH:
        return None
    found = []
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):
            continue
        target = field.related_model
        if target is clinic_model:
            return field.name
        if target is model:
            continue
        rest = _path_to_clinic(target, clinic_model, depth + 1)
        if rest is not None and rest != "pk":
            found.append(f"{field.name}__{rest}")
    return min(found, key=len) if found else None


def _own_models() -> list:
    """The project's tables, each after every table its foreign keys point to."""
    own = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("ketamine_care.") and m._meta.label_lower not in DERIVED_TABLES
    ]
    needs = {
        m: {
            f.related_model
            for f in m._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and f.related_model in own
        }
        - {m}
        for m in own
    }
    ordered: list = []
    while needs:
        ready = [m for m, deps in needs.items() if not deps - set(ordered)]
        if not ready:  # a cycle: take the rest as they come
            ready = list(needs)
        for model in ready:
            ordered.append(model)
            del needs[model]
    return ordered


def _queryset(model, clinic):
    clinic_model = apps.get_model("accounts", "Clinic")
    user_model = apps.get_model("accounts", "User")
    if model is user_model:
        return model.objects.filter(memberships__clinic=clinic).distinct()
    if model in (AuditEvent, AuditChainHead):
        return model.objects.filter(chain__in=chain_keys(chain_key(clinic)))
    path = _path_to_clinic(model, clinic_model)
    if path is None:
        return None
    return model.objects.filter(**{path: clinic.pk if path == "pk" else clinic})


def clinic_querysets(clinic) -> list[tuple[str, object]]:
    """(app_label.model, rows in primary-key order) for every table of the clinic."""
    result = []
    for model in _own_models():
        rows = _queryset(model, clinic)
        if rows is not None:
            result.append((model._meta.label_lower, rows.order_by("pk").iterator(chunk_size=2000)))
    return result


def shared_tables() -> list[str]:
    return [m._meta.label_lower for m in _own_models() if _queryset_is_shared(m)]


def _queryset_is_shared(model) -> bool:
    clinic_model = apps.get_model("accounts", "Clinic")
    special = (apps.get_model("accounts", "User"), AuditEvent, AuditChainHead)
    return model not in special and _path_to_clinic(model, clinic_model) is None


def serialize_row(row) -> dict:
    """`{"model": "app.model", "pk": ..., "fields": {...}}`, Django's own serialised form."""
    return serializers.serialize("python", [row])[0]
