"""The per-patient secrets of de-identification, made on first use: the research id of a
patient in a project and the patient's date offset. Both come from `secrets` (a CSPRNG), so
neither can be guessed from the patient's record or from another patient's values."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from ketamine_care.research.models import PatientShift, ResearchProject, ResearchSubject

# Dates move by 1 to 365 days, forward or back: enough to hide a visit's calendar date and
# season-of-year reasoning about an individual, small enough to keep year-level trends.
MAX_SHIFT_DAYS = 365
RESEARCH_ID_BYTES = 8  # 16 hex characters: no collision in practice, retried if one occurs
_ATTEMPTS = 5
CHUNK = 2000  # patients per query: under every database's limit of bound parameters


def new_offset() -> int:
    """A random non-zero offset in [-MAX_SHIFT_DAYS, MAX_SHIFT_DAYS]."""
    magnitude = secrets.randbelow(MAX_SHIFT_DAYS) + 1
    return magnitude if secrets.randbelow(2) else -magnitude


def new_research_id() -> str:
    return "R" + secrets.token_hex(RESEARCH_ID_BYTES).upper()


def shift_for(patient) -> PatientShift:
    """The patient's date offset, created the first time it is needed."""
    shift = PatientShift.objects.filter(patient=patient).first()
    if shift is not None:
        return shift
    try:
        with transaction.atomic():
            return PatientShift.objects.create(patient=patient, offset_days=new_offset())
    except IntegrityError:  # made by a concurrent request meanwhile
        return PatientShift.objects.get(patient=patient)


def subject_for(project: ResearchProject, patient) -> ResearchSubject:
    """The patient's stable research id in `project`, created the first time it is needed."""
    subject = ResearchSubject.objects.filter(project=project, patient=patient).first()
    if subject is not None:
        return subject
    for _ in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return ResearchSubject.objects.create(
                    project=project, patient=patient, research_id=new_research_id()
                )
        except IntegrityError:
            subject = ResearchSubject.objects.filter(project=project, patient=patient).first()
            if subject is not None:  # made by a concurrent request meanwhile
                return subject
    raise RuntimeError("Could not allocate a unique research id.")


def _chunks(ids: Iterable[int]) -> Iterable[set[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield set(ordered[start : start + CHUNK])


def shifts_for(patient_ids: Iterable[int]) -> dict[int, int]:
    """Offsets (days) by patient id for many patients, creating the missing ones in bulk.
    For exports: a few queries per CHUNK patients, never one per patient."""
    offsets: dict[int, int] = {}
    for ids in _chunks(patient_ids):
        offsets.update(_shifts_chunk(ids))
    return offsets


def _shifts_chunk(ids: set[int]) -> dict[int, int]:
    known = dict(
        PatientShift.objects.filter(patient_id__in=ids).values_list("patient_id", "offset_days")
    )
    missing = [PatientShift(patient_id=pid, offset_days=new_offset()) for pid in ids - set(known)]
    if missing:
        PatientShift.objects.bulk_create(missing, ignore_conflicts=True, batch_size=5000)
        known = dict(
            PatientShift.objects.filter(patient_id__in=ids).values_list("patient_id", "offset_days")
        )
    return known


def subjects_for(project: ResearchProject, patient_ids: Iterable[int]) -> dict[int, str]:
    """Research ids by patient id in `project` for many patients, created in bulk."""
    research_ids: dict[int, str] = {}
    for ids in _chunks(patient_ids):
        research_ids.update(_subjects_chunk(project, ids))
    return research_ids


def _subjects_chunk(project: ResearchProject, ids: set[int]) -> dict[int, str]:
    rows = ResearchSubject.objects.filter(project=project, patient_id__in=ids)
    known = dict(rows.values_list("patient_id", "research_id"))
    for _ in range(_ATTEMPTS):
        missing = ids - set(known)
        if not missing:
            return known
        ResearchSubject.objects.bulk_create(
            [
                ResearchSubject(project=project, patient_id=pid, research_id=new_research_id())
                for pid in missing
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        known = dict(rows.values_list("patient_id", "research_id"))
    raise RuntimeError("Could not allocate unique research ids.")
