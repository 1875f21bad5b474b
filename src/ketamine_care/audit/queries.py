"""Reads of the audit trail for a clinic's admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.services import chain_keys, record_read
from ketamine_care.core.clock import clinic_day_bounds


@dataclass(frozen=True)
class AuditFilters:
    patient: str = ""  # MRN or the patient's public id
    user: str = ""  # email, or part of it
    event_type: str = ""  # exact or prefix, e.g. "patient." for every patient event
    date_from: date | None = None
    date_to: date | None = None


def events_for_clinic(clinic, filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor", "patient")
    if filters.patient:
        term = filters.patient.strip()
        match = Q(patient__mrn__iexact=term)
        if _is_uuid(term):
            match |= Q(patient__public_id=term)
        events = events.filter(match)
    if filters.user:
        events = events.filter(actor__email__icontains=filters.user.strip())
    if filters.event_type:
        events = events.filter(event_type__startswith=filters.event_type.strip())
    if filters.date_from:
        events = events.filter(occurred_at__gte=clinic_day_bounds(clinic, filters.date_from)[0])
    if filters.date_to:
        events = events.filter(occurred_at__lt=clinic_day_bounds(clinic, filters.date_to)[1])
    return events.order_by("-occurred_at", "-id")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def event_types_for_clinic(clinic) -> list[str]:
    return list(
        AuditEvent.objects.filter(clinic=clinic)
        .order_by("event_type")
        .values_list("event_type", flat=True)
        .distinct()
    )


def chain_names() -> dict[str, str]:
    """Each clinic chain's clinic name, for reports (a clinic's chain key is its public id;
    its stripes, "<public id>/<n>", are named "<clinic> (<n>)").

    The clinic model is reached through the events' foreign key ("accounts.Clinic"): the audit
    trail sits below the accounts app and imports none of it."""
    clinics = AuditEvent._meta.get_field("clinic").related_model.objects.all()
    names = {}
    for clinic in clinics:
        main, *stripes = chain_keys(str(clinic.public_id))
        names[main] = clinic.name
        names.update({key: f"{clinic.name} ({key.rsplit('/', 1)[1]})" for key in stripes})
    return names


def record_audit_listed(*, clinic, events, actor, request=None) -> None:
    """Audit a page of the audit trail shown: it names patients (MRNs), so reading it is a
    read of patient data."""
    record_read(
        event_type="audit.listed",
        actor=actor,
        clinic=clinic,
        patients=[event.patient for event in events if event.patient is not None],
        request=request,
    )
