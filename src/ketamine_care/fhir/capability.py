"""The CapabilityStatement, generated from the registry: it lists exactly what is served."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from django.utils import timezone

from ketamine_care.fhir import registry
from ketamine_care.fhir.params import COMMON
from ketamine_care.fhir.plain import fhir_model

if TYPE_CHECKING:
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

FHIR_VERSION = "4.3.0"
SMART_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"
_BULK = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
BULK_OPERATIONS = [
    {"name": "export", "definition": f"{_BULK}export"},
    {"name": "patient-export", "definition": f"{_BULK}patient-export"},
    {"name": "group-export", "definition": f"{_BULK}group-export"},
]


def capability_statement(base_url: str) -> CapabilityStatement:
    return fhir_model("CapabilityStatement")(
        status="active",
        date=timezone.now().isoformat(),
        kind="instance",
        fhirVersion=FHIR_VERSION,
        format=["application/fhir+json", "json"],
        software={"name": "ketamine-care", "version": _version()},
        implementation={"description": "ketamine-care FHIR API", "url": base_url},
        text={
            "status": "generated",
            "div": (
                '<div xmlns="http://www.w3.org/1999/xhtml">FHIR R4B (4.3.0) read and search, '
                "built and validated with R4B models.</div>"
            ),
        },
        rest=[
            {
                "mode": "server",
                "security": _security(),
                "resource": [_resource(name) for name in registry.type_names()],
                # POST [base] with a transaction Bundle, and Bulk Data $export (fhir/bulk*.py).
                "interaction": [{"code": "transaction"}],
                "operation": BULK_OPERATIONS,
            }
        ],
    )


def _version() -> str:
    try:
        return version("ketamine-care")
    except PackageNotFoundError:
        return "unknown"


def _security() -> dict:
    return {
        "service": [{"coding": [{"system": SMART_SERVICE, "code": "SMART-on-FHIR"}]}],
        "description": (
            "Bearer tokens with SMART-style scopes: patient/*.read, user/*.read, "
            "system/*.read, system/*.write. The role's permissions apply on top."
        ),
    }


def _resource(name: str) -> dict:
    parts = registry.parts_of(name)
    params: dict[str, object] = dict(COMMON)
    for part in parts:
        params.update(part.search_params)
    profiles = sorted({p.profile for p in parts if p.profile})
    includes = sorted({f"{name}:{i}" for p in parts for i in p.includes})
    resource = {
        "type": name,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [
            {"name": key, "type": param.type, "documentation": param.description or None}
            for key, param in sorted(params.items())
        ],
    }
    if profiles:
        resource["supportedProfile"] = profiles
    if includes:
        resource["searchInclude"] = includes
    return resource
