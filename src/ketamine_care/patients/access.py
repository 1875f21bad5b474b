"""Fetch-or-fail for patient records: another clinic's records do not exist for the caller
(404, so ids cannot be probed); a role without the capability gets 403."""

from __future__ import annotations

import uuid
from uuid import UUID

from django.db import router
from django.http import Http404

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.core.compiled import INT, UUID_VALUE, CompiledQuery
from ketamine_care.patients.models import Patient


def access_patient(membership: Membership | None, public_id: UUID | str, capability=None):
    """Fetch a patient of the membership's clinic or raise Http404; check the capability."""
    require(membership, capability or Capability.VIEW_PATIENT)
    found = _prepared_patient(membership.clinic_id, public_id)
    if found is not None:
        patient = found
    else:
        try:
            patient = Patient.objects.get(clinic_id=membership.clinic_id, public_id=public_id)
        except (Patient.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404("No such patient") from exc
    # The patient's clinic is the membership's, already loaded: the audit record of the read
    # (which names the clinic's chain) and the clinic's labels need no query of their own.
    patient.clinic = membership.clinic
    return patient


def patient_of_clinic(*, clinic_id: int, public_id: UUID):
    """The query of `access_patient`, as `Patient.objects.get` runs it."""
    return Patient.objects.filter(clinic_id=clinic_id, public_id=public_id).order_by()[:21]


# Every chart and API read of a patient runs this: compiled once per connection.
_PATIENT = CompiledQuery(
    "patient-of-clinic", patient_of_clinic, clinic_id=INT, public_id=UUID_VALUE
)


def _prepared_patient(clinic_id, public_id) -> Patient | None:
    """The patient from the compiled query when the ids are of the types it takes (an int, a
    `uuid.UUID`; anything else goes through the ORM). Not found: 404."""
    if type(clinic_id) is not int or type(public_id) is not uuid.UUID:
        return None
    using = router.db_for_read(Patient) or "default"
    found = _PATIENT.objects(Patient, using, clinic_id=clinic_id, public_id=public_id)
    if not found:
        raise Http404("No such patient")
    if len(found) > 1:
        return None  # the ORM's get() raises as it always did
    return found[0]


def access_patient_child(membership, model, patient, public_id, capability):
    """Fetch a row belonging to `patient` (diagnosis, medication, ...) or raise Http404."""
    require(membership, capability)
    try:
        return model.objects.get(patient=patient, public_id=public_id)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
