"""`POST /fhir/R4`: a transaction Bundle, imported all or nothing (fhir/transaction.py).

The importer and fhir.resources' Bundle (`plain.fhir_model`) are imported on first use: the URL
configuration loads this module in every process, and most never import a bundle."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.views.decorators.http import require_POST
from pydantic import ValidationError

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.fhir.access import grant_for
from ketamine_care.fhir.plain import fhir_model
from ketamine_care.fhir.responses import FhirError, fhir_response
from ketamine_care.fhir.views import fhir_view

if TYPE_CHECKING:
    from fhir.resources.R4B.bundle import Bundle

MAX_BYTES = 20 * 1024 * 1024


def _bundle(request) -> Bundle:
    kind = request.content_type or ""
    if kind not in ("application/fhir+json", "application/json"):
        raise FhirError(415, "not-supported", "Send the Bundle as application/fhir+json.")
    if len(request.body) > MAX_BYTES:
        raise FhirError(413, "too-costly", "The Bundle is larger than 20 MB: split it.")
    try:
        return fhir_model("Bundle").model_validate(json.loads(request.body))
    except (ValueError, ValidationError) as error:
        count = len(error.errors()) if isinstance(error, ValidationError) else 1
        raise FhirError(400, "invalid", f"Not a valid FHIR Bundle ({count} problems).") from None


@fhir_view
@require_POST
def transaction_bundle(request):
    grant = grant_for(request, "*", Capability.REGISTER_PATIENT, action="write")
    if grant.context == "patient" or not has_capability(grant.membership, Capability.EDIT_CLINICAL):
        raise FhirError(403, "forbidden", "Your role may not import clinical records.")
    from ketamine_care.fhir.transaction import BundleRejected, import_bundle

    bundle = _bundle(request)
    try:
        result = import_bundle(
            clinic=grant.clinic, actor=grant.user, bundle=bundle, request=request
        )
    except BundleRejected as rejected:
        return fhir_response(rejected.outcome, status=400)
    return fhir_response(result)
