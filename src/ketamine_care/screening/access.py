"""Fetch-or-fail for screening verdicts, scoped to the caller's clinic."""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.patients.access import access_patient, access_patient_child
from ketamine_care.screening.models import ScreeningVerdict


def access_verdict(membership, patient_id, verdict_id, capability) -> ScreeningVerdict:
    """A verdict of a patient of the caller's clinic, for a role with `capability`.

    The records are looked up before the role is checked: another clinic's ids answer 404 to
    every role (they do not exist for the caller); ours answer 403 without `capability`.
    """
    patient = access_patient(membership, patient_id, Capability.VIEW_TREATMENT)
    verdict = access_patient_child(
        membership, ScreeningVerdict, patient, verdict_id, Capability.VIEW_TREATMENT
    )
    require(membership, capability)
    return verdict
