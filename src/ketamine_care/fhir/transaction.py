"""`POST /fhir/R4` with a `transaction` Bundle: onboard patients from an EHR export.

Patient, Condition, AllergyIntolerance, MedicationStatement and Observation (weight and
height) entries, each `POST`; a Patient entry is a conditional create on its identifier (the
MRN; `request.ifNoneExist` may say so, and the server does it either way), and the other
entries name their patient by the Patient entry's `fullUrl` or by `Patient/<id>` of this
clinic. The whole bundle is one database transaction: one failing entry undoes every entry,
and the answer is one OperationOutcome with an issue per failing entry (`Bundle.entry[i]`).
"""

from __future__ import annotations

from django.db import transaction
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from ketamine_care.audit.services import record
from ketamine_care.core.errors import DomainError
from ketamine_care.fhir.transaction_map import HANDLERS, Context, EntryError, NotImported


class BundleRejected(Exception):
    """The bundle was not imported; `outcome` says why, entry by entry."""

    def __init__(self, outcome: OperationOutcome) -> None:
        super().__init__("bundle rejected")
        self.outcome = outcome


def _information(message: str) -> dict:
    """The outcome of an entry answered but not imported (`NotImported`)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": message}],
    }


def _issue(index: int | None, message: str, code: str = "processing") -> dict:
    issue = {"severity": "error", "code": code, "diagnostics": message}
    if index is not None:
        issue["expression"] = [f"Bundle.entry[{index}]"]
    return issue


def _check_shape(bundle: Bundle) -> list[dict]:
    issues = []
    if bundle.type != "transaction":
        issues.append(_issue(None, "The Bundle's type must be transaction.", "invalid"))
    for index, entry in enumerate(bundle.entry or []):
        kind = entry.resource.get_resource_type() if entry.resource else None
        if kind not in HANDLERS:
            issues.append(_issue(index, f"{kind} is not imported here.", "not-supported"))
        elif entry.request is None or entry.request.method != "POST":
            issues.append(_issue(index, "Each entry must be a POST.", "invalid"))
    return issues


def _ordered(bundle: Bundle) -> list[tuple[int, object]]:
    """Patients first (others refer to them), then the rest in the bundle's order."""
    entries = list(enumerate(bundle.entry or []))
    return sorted(entries, key=lambda pair: pair[1].resource.get_resource_type() != "Patient")


def import_bundle(*, clinic, actor, bundle: Bundle, request=None) -> Bundle:
    """Import every entry or none; the transaction-response Bundle, or BundleRejected."""
    issues = _check_shape(bundle)
    if issues:
        raise BundleRejected(OperationOutcome(issue=issues))
    ctx = Context(clinic=clinic, actor=actor, request=request)
    responses: dict[int, dict] = {}
    with transaction.atomic():
        for index, entry in _ordered(bundle):
            kind = entry.resource.get_resource_type()
            try:
                with transaction.atomic():
                    row, created = HANDLERS[kind](ctx, entry.resource)
            except NotImported as skipped:
                responses[index] = {"status": "200 OK", "outcome": _information(str(skipped))}
                continue
            except (EntryError, DomainError) as error:
                message = getattr(error, "message", None) or str(error)
                fields = getattr(error, "fields", None)
                if fields:
                    message += " " + "; ".join(f"{k}: {v}" for k, v in fields.items())
                issues.append(_issue(index, message))
                continue
            if kind == "Patient" and entry.fullUrl:
                ctx.patients[entry.fullUrl] = row
            responses[index] = {
                "status": "201 Created" if created else "200 OK",
                "location": f"{kind}/{_fhir_id(kind, row)}",
            }
        if issues:
            transaction.set_rollback(True)
        else:
            created = sum(r["status"].startswith("201") for r in responses.values())
            skipped = sum("outcome" in r for r in responses.values())
            record(
                event_type="fhir.transaction_imported",
                actor=actor,
                clinic=clinic,
                changes={"entries": len(responses), "created": created, "not_imported": skipped},
                request=request,
            )
    if issues:
        raise BundleRejected(OperationOutcome(issue=sorted(issues, key=_issue_order)))
    entries = [{"response": responses[i]} for i in sorted(responses)]
    return Bundle(type="transaction-response", entry=entries or None)


def _issue_order(issue: dict) -> int:
    expression = issue.get("expression") or ["Bundle.entry[-1]"]
    return int(expression[0].split("[")[1].rstrip("]"))


def _fhir_id(kind: str, row) -> str:
    if kind == "Observation":  # a measurement row is one or two Observations
        return f"{'weight' if row.weight_kg is not None else 'height'}-{row.public_id}"
    return str(row.public_id)
