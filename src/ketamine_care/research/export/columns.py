"""What the research export writes: its tables and every column, with type, unit, code system
and derivation. A column not named here cannot be written (`writer.TableWriter` refuses a
batch whose columns differ); a column named here must be on the de-identification allowlist
(`research.deid.EXPORTABLE_COLUMNS`, the one list of what may leave), and none may carry a
name, record number, contact detail, free text, database id or calendar date that was not
shifted (`check_allowlist`, run on import and by the tests).

Vital-sign codes are LOINC [@loinc] with UCUM units, as in the FHIR vital-signs resources.

Types are the data dictionary's words: "string", "integer", "decimal" (a float64 in
Parquet), "boolean", "date" (a shifted date, day precision).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ketamine_care.research import deid

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}
PROJECT = "project"  # a code defined by ketamine-care itself (values listed in the dictionary)
SHIFTED = "Shifted by the patient's secret offset (the same for all of a patient's dates)."
RID = "The patient's research id in this project: random, stable, never a record number."


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    derivation: str
    unit: str = ""
    code_system: str = ""

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "unit": self.unit,
            "code_system": self.code_system,
            "derivation": self.derivation,
        }


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])


def _rid() -> Column:
    return Column("research_id", "string", RID, code_system=PROJECT)


def _number(name: str, what: str) -> Column:
    return Column(name, "integer", f"The patient's {what} in date order, counted from 1.")


PATIENTS = Table(
    "patients",
    "One row per consenting patient who passed the k-anonymity check.",
    (
        _rid(),
        Column("sex", "string", "Sex recorded at registration.", code_system=PROJECT),
        Column(
            "age_band",
            "string",
            "Age at the start of the first course (on the export day without a course), in "
            "bands of 5 years; above 89 written 90+ (HIPAA Safe Harbor); widened where "
            "k-anonymity needed it (see the manifest's report).",
            unit="a",
            code_system="UCUM",
        ),
        Column(
            "protocol",
            "string",
            "Protocol of the first course (blank: no course).",
            code_system=PROJECT,
        ),
        Column(
            "start_month",
            "string",
            "Month (YYYY-MM) of the first course's shifted start date; a quarter (YYYY-Qn) "
            "or a year where k-anonymity needed it (blank: no course).",
        ),
        Column("courses", "integer", "Number of courses (treatment plans) in the export."),
    ),
)

COURSES = Table(
    "courses",
    "One row per course (a treatment plan pinned to a protocol version).",
    (
        _rid(),
        _number("course_number", "course"),
        Column("protocol", "string", "Protocol of the course.", code_system=PROJECT),
        Column("protocol_version", "integer", "The clinic's version number of that protocol."),
        Column("status", "string", "active, completed or cancelled.", code_system=PROJECT),
        Column("start_date", "date", f"Start of the course. {SHIFTED}"),
        Column("horizon_weeks", "integer", "Planned length of the course.", unit="wk"),
        Column("planned_visits", "integer", "Visits planned for the course."),
    ),
)

SESSIONS = Table(
    "sessions",
    "One row per dosing session, in any state.",
    (
        _rid(),
        _number("session_number", "session"),
        _number("course_number", "course (blank: a session outside a planned course)"),
        Column("visit_number", "integer", "Number of the planned visit in its course."),
        Column("protocol", "string", "Protocol the session followed.", code_system=PROJECT),
        Column("drug", "string", "Drug given (ketamine or esketamine).", code_system=PROJECT),
        Column("route", "string", "Route of administration.", code_system=PROJECT),
        Column(
            "state",
            "string",
            "Last state of the session (signed, aborted ...).",
            code_system=PROJECT,
        ),  # fmt: skip
        Column("session_date", "date", f"Day of the session in the clinic's zone. {SHIFTED}"),
        Column(
            "minutes_dose_to_discharge",
            "decimal",
            "Minutes from the start of dosing to discharge (blank: not discharged).",
            unit="min",
            code_system="UCUM",
        ),
    ),
)

DOSES = Table(
    "doses",
    "One row per dose given in a session.",
    (
        _rid(),
        _number("session_number", "session"),
        Column("drug", "string", "Drug given.", code_system=PROJECT),
        Column("route", "string", "Route of administration.", code_system=PROJECT),
        Column("dose_mg", "decimal", "Dose given.", unit="mg", code_system="UCUM"),
        Column(
            "calculated_dose_mg",
            "decimal",
            "Dose the calculator proposed.",
            unit="mg",
            code_system="UCUM",
        ),  # fmt: skip
        Column(
            "weight_kg",
            "decimal",
            "Body weight recorded at the session's pre-checks (the actual weight).",
            unit="kg",
            code_system="UCUM",
        ),
        Column(
            "dose_mg_per_kg",
            "decimal",
            "dose_mg / weight_kg, rounded to 3 decimals (blank: no weight).",
            unit="mg/kg",
            code_system="UCUM",
        ),
        Column(
            "infusion_minutes",
            "decimal",
            "Minutes from the start to the end of the infusion (blank: not an infusion).",
            unit="min",
            code_system="UCUM",
        ),
        Column(
            "weight_basis",
            "string",
            "Weight the dose was calculated and checked on: actual, ideal (Devine ideal body "
            "weight) or adjusted (adjusted body weight) (blank: not recorded, e.g. a dose "
            "recorded before the basis was kept).",
            code_system=PROJECT,
        ),
        Column(
            "weight_used_kg",
            "decimal",
            "The weight of that basis the dose was calculated on (blank: not recorded). "
            "dose_mg_per_kg stays on weight_kg.",
            unit="kg",
            code_system="UCUM",
        ),
    ),
)


def _vital(name: str, what: str, unit: str, loinc: str) -> Column:
    return Column(name, "integer", f"{what} (LOINC {loinc}).", unit=unit, code_system="LOINC")


VITALS = Table(
    "vitals_summaries",
    "One row per session with readings: aggregates of its vital-sign readings (never the "
    "readings themselves).",
    (
        _rid(),
        _number("session_number", "session"),
        Column("readings", "integer", "Number of vital-sign readings in the session."),
        _vital("systolic_max_mmhg", "Highest systolic blood pressure", "mm[Hg]", "8480-6"),
        _vital("diastolic_max_mmhg", "Highest diastolic blood pressure", "mm[Hg]", "8462-4"),
        _vital("heart_rate_max_bpm", "Highest heart rate", "/min", "8867-4"),
        _vital("heart_rate_min_bpm", "Lowest heart rate", "/min", "8867-4"),
        _vital("spo2_min_percent", "Lowest oxygen saturation", "%", "59408-5"),
        _vital("respiratory_rate_min", "Lowest respiratory rate", "/min", "9279-1"),
        Column(
            "moaas_min",
            "integer",
            "Deepest sedation: lowest MOAA/S score (0-5).",
            code_system=PROJECT,
        ),  # fmt: skip
    ),
)

ADMINISTRATIONS = Table(
    "administrations",
    "One row per rating-scale administration (entered-in-error ones left out).",
    (
        _rid(),
        _number("administration_number", "administration"),
        Column("instrument", "string", "Rating scale code (phq9, madrs ...).", code_system=PROJECT),
        Column(
            "instrument_loinc",
            "string",
            "LOINC panel code of the scale, where it has one.",
            code_system="LOINC",
        ),  # fmt: skip
        Column(
            "definition_version", "string", "Version of the scale's definition it was scored with."
        ),
        Column("administration_date", "date", f"Day of the administration. {SHIFTED}"),
        Column(
            "time_point",
            "string",
            "baseline, pre_session, post_session, follow_up ...",
            code_system=PROJECT,
        ),  # fmt: skip
        Column(
            "follow_up_day",
            "integer",
            "Day of a follow-up measure after the course.",
            unit="d",
            code_system="UCUM",
        ),  # fmt: skip
        Column("source", "string", "clinician or self_report.", code_system=PROJECT),
        Column("total", "integer", "Total score by the scale's own scoring rules."),
        Column("band", "string", "Severity band of the total.", code_system=PROJECT),
    ),
)

ITEM_ANSWERS = Table(
    "item_answers",
    "One row per numeric item answer of an administration (text answers are never exported).",
    (
        _rid(),
        _number("administration_number", "administration"),
        Column("instrument", "string", "Rating scale code.", code_system=PROJECT),
        Column("item", "string", "Item id within the scale's definition.", code_system=PROJECT),
        Column(
            "item_loinc", "string", "LOINC code of the item, where it has one.", code_system="LOINC"
        ),  # fmt: skip
        Column("value", "decimal", "The answer as scored (the option's value)."),
    ),
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    "One row per adverse event recorded in a session (descriptions and actions, being free "
    "text, are never exported).",
    (
        _rid(),
        _number("session_number", "session"),
        Column(
            "event_type", "string", "Kind of event (nausea, hypertension ...).", code_system=PROJECT
        ),  # fmt: skip
        Column("severity", "string", "mild, moderate or severe.", code_system=PROJECT),
        Column("serious", "boolean", "Whether the event was serious."),
        Column(
            "outcome", "string", "resolved, resolving, ongoing or transferred.", code_system=PROJECT
        ),  # fmt: skip
        Column(
            "onset_minute",
            "decimal",
            "Minutes from the start of dosing to the onset (blank: dosing had not started).",
            unit="min",
            code_system="UCUM",
        ),
    ),
)

# Fragments no exported column name may contain: identifiers, contact details, free text
# and unshifted instants. A new column that needs one of these words is a design question,
# not a rename.
FORBIDDEN_FRAGMENTS = (
    "name", "mrn", "email", "phone", "address", "birth", "dob", "note", "text", "reason",
    "description", "comment", "action", "public_id", "uuid", "_at", "datetime", "timestamp",
    "product",
)  # fmt: skip


def check_allowlist(tables) -> list[str]:
    """The problems with these tables' columns (empty: every column may be exported)."""
    problems = []
    for table in tables:
        if table.names[0] != "research_id":
            problems.append(f"{table.name}: the first column must be research_id")
        if len(set(table.names)) != len(table.names):
            problems.append(f"{table.name}: a column is named twice")
        for column in table.columns:
            refused = deid.refusal(column.name)
            if refused:
                problems.append(f"{table.name}.{column.name}: {refused}")
            problems += [
                f"{table.name}.{column.name}: contains {word!r}"
                for word in FORBIDDEN_FRAGMENTS
                if word in column.name
            ]
            if column.type not in ARROW_TYPES:
                problems.append(f"{table.name}.{column.name}: unknown type {column.type}")
            if column.type == "date" and SHIFTED not in column.derivation:
                problems.append(f"{table.name}.{column.name}: a date that is not shifted")
    return problems
