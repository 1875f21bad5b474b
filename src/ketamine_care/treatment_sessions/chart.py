"""What treatment sessions contribute to the patient chart (`patients`, below), registered in
`TreatmentSessionsConfig.ready()`: the course of dosing sessions, newest first, with today's
session on top.

Every figure of a row comes from the same query, as a correlated subquery (the peak BP, the
dose given, the alert and adverse-event counts), so a chart costs the same at the 3rd session
and the 300th: one page of rows, one count for the pager, one query for today's session.
Annotating with joined `Count`s instead would multiply the rows of each join by the others.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_day_bounds, clinic_today
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    DoseAdministration,
    SessionAlert,
    TreatmentSession,
    VitalSignsReading,
)

PAGE_SIZE = 10
PAGE_PARAM = "sessions_page"


def _count(model, **filters) -> Coalesce:
    rows = (
        model.objects.filter(session=OuterRef("pk"), **filters)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _peak(field: str) -> Subquery:
    """The systolic and diastolic of the reading with the highest systolic BP."""
    top = (
        VitalSignsReading.objects.filter(session=OuterRef("pk"), bp_systolic_mmhg__isnull=False)
        .order_by("-bp_systolic_mmhg", "-bp_diastolic_mmhg", "measured_at")
        .values(field)[:1]
    )
    return Subquery(top, output_field=IntegerField())


def course(patient):
    """The patient's sessions, newest first, each with its course figures annotated."""
    doses = (
        DoseAdministration.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(total=Sum("dose_mg"))
        .values("total")
    )
    return (
        TreatmentSession.objects.filter(patient=patient)
        .select_related("signed_by", "protocol_version")
        .defer("protocol_version__definition", "protocol_version__clinic_values")
        .annotate(
            dose_total_mg=Subquery(doses),
            peak_systolic=_peak("bp_systolic_mmhg"),
            peak_diastolic=_peak("bp_diastolic_mmhg"),
            alert_count=_count(SessionAlert),
            open_alert_count=_count(SessionAlert, acknowledged_at__isnull=True),
            adverse_count=_count(AdverseEvent),
            serious_count=_count(AdverseEvent, serious=True),
        )
        .order_by("-scheduled_for", "-id")
    )


def todays_session(patient, day=None):
    """The patient's session scheduled for today that is not cancelled, if any."""
    start, end = clinic_day_bounds(patient.clinic, day or clinic_today(patient.clinic))
    return (
        TreatmentSession.objects.filter(
            patient=patient, scheduled_for__gte=start, scheduled_for__lt=end
        )
        .exclude(Q(state=states.CANCELLED))
        .order_by("-scheduled_for", "-id")
        .first()
    )


def sessions_section(request, patient) -> dict | None:
    """The chart's "Dosing sessions" section. The front desk, who check patients in but see
    no vitals or doses, get today's session only; roles without either see nothing."""
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.VIEW_SESSIONS):
        if not has_capability(membership, Capability.CHECK_IN_SESSION):
            return None
        return {"today_session": todays_session(patient), "arrivals_only": True}
    page = Paginator(course(patient), PAGE_SIZE).get_page(request.GET.get(PAGE_PARAM))
    return {
        "session_page": page,
        "session_page_param": PAGE_PARAM,
        "today_session": todays_session(patient),
        "can_schedule": has_capability(request.membership, Capability.SCHEDULE_SESSION)
        and patient.is_active,
    }
