"""The resource registry: what the server serves, and how each resource type is searched.

A resource type registers one or more *parts*, each a `ResourceType`: a queryset of one
clinic's rows, a function turning one row into a fhir.resources model, and its search
parameters. Most types have one part. Observation has several (each vital sign, each score
total), each with its own id prefix (`hr-<uuid>`): a search reads the parts one after the
other, a read finds the part by the id's prefix. The read and search views, the
CapabilityStatement and the validation tests all iterate this registry, so a type exists
exactly when it is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from ketamine_care.accounts.permissions import Capability

# Search parameter types (FHIR's names).
TOKEN = "token"
STRING = "string"
DATE = "date"
REFERENCE = "reference"


@dataclass(frozen=True)
class SearchParam:
    """One search parameter of a resource type.

    `path`: the ORM path it filters (a date, a reference to a patient, a code column, a name).
    `system`: for a token, the code system its codes belong to (a `system|code` value with
    another system matches nothing). `fixed`: for a token every row of the part carries (an
    Observation part's LOINC code, a category): a value matches all rows or none, without a
    query. `paths`: for a string, the columns a value may start (any one suffices).
    `description`: for the CapabilityStatement."""

    type: str
    path: str = ""
    system: str | None = None
    fixed: tuple[tuple[str, str], ...] = ()
    paths: tuple[str, ...] = ()
    description: str = ""
    transform: Callable[[str], Any] | None = None
    # For a token whose codes come from more than one system: (system or None, code) -> a Q
    # object, or None for "matches nothing".
    match: Callable[[str | None, str], Any] | None = None


@dataclass(frozen=True)
class Include:
    """`_include=<Type>:<param>`: the rows a page references, fetched in one query."""

    target: str  # the resource type included ("Patient")
    path: str  # ORM path from this part's row to the target row ("patient")


@dataclass(frozen=True)
class ResourceType:
    name: str
    to_fhir: Callable[[Any], Any]
    queryset: Callable[[Any], QuerySet]
    search_params: dict[str, SearchParam] = field(default_factory=dict)
    includes: dict[str, Include] = field(default_factory=dict)
    profile: str | None = None
    # The role's capability a reader needs (403 without it).
    capability: Capability = Capability.VIEW_CLINICAL_HISTORY
    # ORM path from a row to its patient ("" for Patient itself, None: no patient).
    patient_path: str | None = "patient"
    # The column `_lastUpdated` and meta.lastUpdated read.
    updated_field: str = "updated_at"
    # A part's id prefix (`hr` gives ids `hr-<uuid>`); "" for a single-part type.
    id_prefix: str = ""
    # The column (or annotation) an id names, and how an id's text becomes its value (None:
    # no row has that id). By default the row's public id, a UUID.
    key_field: str = "public_id"
    parse_key: Callable[[str], Any] | None = None
    # The row's resource as plain JSON data (fhir/plain.py): what `to_fhir` validates, and
    # what the Bulk export writes without a model per row.
    to_data: Callable[[Any], dict] | None = None
    # The columns `to_data` reads (ORM paths, `patient__public_id`), when it reads no model
    # method: the Bulk export then reads these as tuples instead of model rows.
    data_fields: tuple[str, ...] = ()

    def key_of(self, row) -> str:
        return str(getattr(row, self.key_field))

    def key_value(self, text: str):
        if self.parse_key is not None:
            return self.parse_key(text)
        try:
            return UUID(text)
        except ValueError:
            return None

    def key_filter(self, text: str) -> dict | None:
        value = self.key_value(text)
        return None if value is None else {self.key_field: value}

    def fhir_id(self, row) -> str:
        return f"{self.id_prefix}-{self.key_of(row)}" if self.id_prefix else self.key_of(row)

    def patient_of(self, row):
        if self.patient_path is None:
            return None
        if self.patient_path == "":
            return row
        for step in self.patient_path.split("__"):
            row = getattr(row, step)
        return row

    def patient_lookup(self) -> str | None:
        """The ORM lookup of the patient's public id from this part's rows."""
        if self.patient_path is None:
            return None
        return f"{self.patient_path}__public_id" if self.patient_path else "public_id"


_TYPES: dict[str, list[ResourceType]] = {}


def register(part: ResourceType) -> ResourceType:
    """Add a part (or replace the part with the same name and prefix); call from ready()."""
    parts = _TYPES.setdefault(part.name, [])
    parts[:] = [p for p in parts if p.id_prefix != part.id_prefix]
    parts.append(part)
    prefixes = [p.id_prefix for p in parts]
    if len(parts) > 1 and "" in prefixes:
        raise ValueError(f"{part.name}: every part of a multi-part type needs an id prefix")
    return part


def parts_of(name: str) -> list[ResourceType]:
    return list(_TYPES.get(name, ()))


def type_names() -> list[str]:
    return sorted(_TYPES)


def part_for_id(name: str, fhir_id: str) -> tuple[ResourceType, str] | None:
    """The part an id belongs to and the row's public id, or None."""
    for part in _TYPES.get(name, ()):
        if not part.id_prefix:
            return part, fhir_id
        if fhir_id.startswith(part.id_prefix + "-"):
            return part, fhir_id[len(part.id_prefix) + 1 :]
    return None
