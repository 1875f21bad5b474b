"""The planned visits of `dosing` as the session side sees them (registered into
`core.visit_links`): whether each was kept, and the actions its row offers (schedule, check
in, open the session), for a whole list of visits in one query."""

from __future__ import annotations

from django.utils import timezone

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.visit_links import VisitLink
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.attendance import SessionFacts, attendance
from ketamine_care.treatment_sessions.models import TreatmentSession

TEMPLATE = "treatment_sessions/_visit_actions.html"


def sessions_of_visits(clinic, visits) -> dict[int, TreatmentSession]:
    """The session each visit became (the latest not cancelled), by visit id."""
    rows = (
        TreatmentSession.objects.filter(clinic=clinic, planned_visit__in=[v.pk for v in visits])
        .exclude(state=states.CANCELLED)
        .order_by("planned_visit_id", "created_at", "id")
    )
    return {row.planned_visit_id: row for row in rows}


def visit_links(request, visits) -> dict[int, VisitLink]:
    membership = request.membership
    sessions = sessions_of_visits(membership.clinic, visits)
    can = {
        "schedule": has_capability(membership, Capability.SCHEDULE_SESSION),
        "check_in": has_capability(membership, Capability.CHECK_IN_SESSION),
        "view": has_capability(membership, Capability.VIEW_SESSIONS),
    }
    now = timezone.now()
    today = clinic_today(membership.clinic, now)
    links = {}
    for visit in visits:
        session = sessions.get(visit.pk)
        facts = (
            SessionFacts(session.state, session.scheduled_for, session.checked_in_at)
            if session
            else None
        )
        kept = attendance(day=visit.date, today=today, now=now, session=facts)
        links[visit.pk] = VisitLink(
            status=kept.status,
            label=kept.label,
            detail=kept.detail,
            context={
                "session": session,
                "can": can,
                "today": visit.date == today,
                # A visit still to come (or today's) without a session can become one.
                "open": session is None and visit.date >= today,
            },
        )
    return links
