"""The portal's notice in a session's pre-session checks (`core.pre_session_notices`): a
scheduled questionnaire before this visit that the patient did not answer."""

from __future__ import annotations

from django.db.models import Q

from ketamine_care.core import labels
from ketamine_care.core.pre_session_notices import Notice
from ketamine_care.portal import measure_rules
from ketamine_care.portal.models import MeasureKind, MeasureRequest


def missed_measures(session) -> list[Notice]:
    rows = MeasureRequest.objects.filter(session=session, kind=MeasureKind.PRE_VISIT).filter(
        Q(link__isnull=True) | Q(link__used_at__isnull=True)
    )
    return [
        Notice(
            key="missed_measure",
            label="Questionnaires before this visit",
            message=(
                "Not answered at home: "
                + ", ".join(labels.label("instrument", c) for c in row.instrument_codes)
                + ". Ask them in the clinic."
            ),
            source=measure_rules.SOURCE,
        )
        for row in rows
    ]
