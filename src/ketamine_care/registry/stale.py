"""Writes that change a course mark its summary stale (cheap: one UPDATE after the commit).

The apps that hold the writes (sessions, doses, adverse events, ratings, plans) sit below the
registry and know nothing of it: the registry listens to their models' saves. The dashboard
says how many rows are stale and when the data were last refreshed; the "registry.refresh"
job (`stale_only`) rebuilds them. A stale row is never recomputed in a request.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Subquery
from django.db.models.signals import post_delete, post_save

from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.registry.cube_delta import KEEPING
from ketamine_care.registry.models import CohortCube, CourseSummary
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    DoseAdministration,
    SessionAlert,
    TreatmentSession,
)

_UID = "registry.stale."


def mark_patient_stale(patient_id) -> None:
    """Mark every summary of the patient stale once the current transaction commits."""
    transaction.on_commit(
        lambda: CourseSummary.objects.filter(patient_id=patient_id, stale=False).update(stale=True)
    )


def _mark_session_stale(session_id) -> None:
    patient = TreatmentSession.objects.filter(pk=session_id).values("patient_id")
    transaction.on_commit(
        lambda: CourseSummary.objects.filter(patient_id=Subquery(patient), stale=False).update(
            stale=True
        )
    )


def _patient_row(sender, instance, **kwargs) -> None:
    mark_patient_stale(instance.patient_id)


def _session_row(sender, instance, **kwargs) -> None:
    _mark_session_stale(instance.session_id)


def _summary_deleted(sender, instance, **kwargs) -> None:
    """A deleted summary (its plan or patient deleted) outdates its clinic's cohort cube,
    unless a refresh batch deletes it and changes the cube with it (`cube_delta`)."""
    if KEEPING.get():
        return
    clinic_id = instance.clinic_id
    transaction.on_commit(
        lambda: CohortCube.objects.filter(clinic_id=clinic_id, current=True).update(current=False)
    )


def connect() -> None:
    post_delete.connect(_summary_deleted, sender=CourseSummary, dispatch_uid=_UID + "summary")
    for model in (TreatmentSession, Administration, TreatmentPlan):
        post_save.connect(_patient_row, sender=model, dispatch_uid=_UID + model.__name__)
    for model in (DoseAdministration, AdverseEvent, SessionAlert):
        post_save.connect(_session_row, sender=model, dispatch_uid=_UID + model.__name__)
