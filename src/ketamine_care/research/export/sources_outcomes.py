"""The outcomes table: one row per *analysable* course, from the registry's course summaries
(`registry.models.CourseSummary`, as measurement completeness decides), so an export and the
clinic's dashboard count the same courses the same way. Day counts are intervals (they need
no shift); a NULL outcome means "not analysable at that point", never "no response"."""

from __future__ import annotations

import pyarrow as pa
from django.db.models import F, QuerySet

from ketamine_care.registry.models import CourseSummary
from ketamine_care.research.export import columns as c
from ketamine_care.research.export.arrays import typed
from ketamine_care.research.export.scope import Scope, research_id, scoped
from ketamine_care.research.export.sources import Source, course_number

P = c.PROJECT


def _flag(name: str, what: str) -> c.Column:
    return c.Column(name, "boolean", f"{what} (blank: not analysable at that point).")


def _days(name: str, what: str) -> c.Column:
    return c.Column(name, "integer", what, unit="d", code_system="UCUM")


OUTCOMES = c.Table(
    "outcomes",
    "One row per analysable course (measurement completeness), from the course summaries "
    "the clinic's outcomes dashboard counts.",
    (
        c.Column("research_id", "string", c.RID, code_system=P),
        c.Column("course_number", "integer", "The patient's course in date order, from 1."),
        c.Column("protocol", "string", "Protocol of the course.", code_system=P),
        c.Column("indication", "string", "Indication of the protocol.", code_system=P),
        c.Column(
            "instrument", "string", "Rating scale the outcomes are measured on.", code_system=P
        ),  # fmt: skip
        c.Column("baseline_total", "decimal", "Baseline total on that scale."),
        c.Column("sessions", "integer", "Dosing sessions held in the course."),
        _flag("response_induction", "Response at the end of induction"),
        _flag("remission_induction", "Remission at the end of induction"),
        _flag("response_3m", "Response at 3 months"),
        _flag("remission_3m", "Remission at 3 months"),
        _flag("response_6m", "Response at 6 months"),
        _flag("remission_6m", "Remission at 6 months"),
        _flag("response_12m", "Response at 12 months"),
        _flag("remission_12m", "Remission at 12 months"),
        _days("first_response_day", "Days from the course's start to the first response."),
        _days("observed_days", "Days the course was observed."),
        _flag("relapse_event", "Relapse after response (SUSTAIN-1 score rule)"),
        _days("relapse_days", "Days to relapse, or to censoring when relapse_event is false."),
        _flag("early_4h", "Early response 4 hours after the first dose"),
        _flag("early_24h", "Early response 24 hours after the first dose"),
        _flag("early_day7", "Early response on day 7"),
        c.Column("expected_measures", "integer", "Measures the protocol's windows expected."),
        c.Column("received_measures", "integer", "Measures received in those windows."),
        c.Column("adverse_events", "integer", "Adverse events recorded in the course."),
        c.Column("bp_alerts", "integer", "Blood-pressure alerts raised in the course."),
        c.Column("cadss_peak", "decimal", "Highest CADSS total in the course."),
    ),
)
SUMMARY_FIELDS = tuple(col.name for col in OUTCOMES.columns[5:])


def _outcomes(scope: Scope) -> QuerySet:
    rows = scoped(CourseSummary.objects.filter(analysable=True), scope, "patient")
    return rows.annotate(rid=F(research_id("patient")), number=course_number("plan__")).order_by(
        "patient_id", "start_date", "plan_id"
    )


def _build_outcomes(scope: Scope, row: dict) -> list[pa.Array]:
    head = [
        typed(row["rid"], pa.string()),
        typed(row["number"], pa.int64()),
        typed(row["protocol_id"], pa.string()),
        typed(row["indication"], pa.string()),
        typed(row["instrument"], pa.string()),
    ]
    return head + [typed(row[col.name], col.arrow_type) for col in OUTCOMES.columns[5:]]


OUTCOME_SOURCE = Source(
    OUTCOMES,
    _outcomes,
    ("rid", "number", "protocol_id", "indication", "instrument", *SUMMARY_FIELDS),
    _build_outcomes,
)
