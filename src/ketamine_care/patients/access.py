"""Fetch-or-fail for patient records: another clinic's records do not exist for the caller
(404, so ids cannot be probed); a role without the capability gets 403."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.patients.models import Patient


def access_patient(membership: Membership | None, public_id: UUID | str, capability=None):
    """Fetch a patient of the membership's clinic or raise Http404; check the capability."""
    require(membership, capability or Capability.VIEW_PATIENT)
    try:
        patient = Patient.objects.get(clinic_id=membership.clinic_id, public_id=public_id)
    except (Patient.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such patient") from exc
    # The patient's clinic is the membership's, already loaded: the audit record of the read
    # (which names the clinic's chain) and the clinic's labels need no query of their own.
    patient.clinic = membership.clinic
    return patient


def access_patient_child(membership, model, patient, public_id, capability):
    """Fetch a row belonging to `patient` (diagnosis, medication, ...) or raise Http404."""
    require(membership, capability)
    try:
        return model.objects.get(patient=patient, public_id=public_id)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
