"""The research export's tables as one SQL statement each, for PostgreSQL (`fast.py`).

The patients statement reads the export's temporary table `{kept}` (patient id, research id,
date offset of the project's consenting patients); every other statement reads the numbering
tables (`NUMBERING`: `{people}`, each patient k-anonymity kept with its number `seq`; each
course's and session's number; the administrations' are made where they are read), so the
de-identification happens in the database: a patient leaves as its `seq` (the client puts
the research id back), every calendar date is shifted by the patient's offset and leaves as
a day number (days since 1970-01-01), no identifier or free-text column is selected, and
rows are ordered as the Python path (`sources.py`) orders them. Durations leave as whole
microseconds and are turned into minutes by the same arrow arithmetic as the Python path
(`arrays.micro_minutes`).

`{zone}` is the clinic's time zone as a quoted literal. The rating-scale tables' statement
is made from the shipped definitions' items (`fast_ratings`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

EPOCH = "DATE '1970-01-01'"


def shifted_day(expression: str, alias: str = "k") -> str:
    """A date (or an instant's clinic day) plus the patient's offset (the `shift` column of
    the table `alias`), as days since 1970."""
    return f"(({expression}) - {EPOCH}) + {alias}.shift"


def micro(interval: str) -> str:
    return f"(EXTRACT(EPOCH FROM ({interval})) * 1000000)::bigint"


def clinic_day(instant: str) -> str:
    return f"({instant} AT TIME ZONE {{zone}})::date"


@dataclass(frozen=True)
class Statement:
    """A SELECT whose columns are `columns` (name, arrow type as read from the COPY)."""

    sql: str
    columns: tuple[tuple[str, pa.DataType], ...]


S, N, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
D = pa.int32()  # a shifted day number, cast to date32 after reading

# Numbered once per export, after k-anonymity: `{people}` gives each kept patient a dense
# number `seq` in patient-id order (the order of every table and of the patients file, whose
# research ids the client looks up by it: an integer crosses the wire, not the research id).
# The client makes it from the k-anonymous patients table it holds (`fast.people_table`: the
# kept patients' ids and offsets, numbered by their place in the file) and copies it into
# each session (binary COPY); `NUMBER_PEOPLE` indexes it. `{plans}` and `{sess}` number each
# patient's courses and sessions in date order, so no table sorts them again.
NUMBER_PEOPLE = (
    "CREATE UNIQUE INDEX ON {people} (patient_id)",
    "ANALYZE {people}",
)
NUMBER_SESSIONS = (
    """CREATE TEMPORARY TABLE {plans} AS
SELECT t.id, k.seq, k.shift,
       ROW_NUMBER() OVER (PARTITION BY t.patient_id ORDER BY t.start_date, t.id) AS n
FROM dosing_treatmentplan t JOIN {people} k ON k.patient_id = t.patient_id""",
    "CREATE UNIQUE INDEX ON {plans} (id)",
    "ANALYZE {plans}",
    """CREATE TEMPORARY TABLE {sess} AS
SELECT s.id, k.seq, k.shift, s.scheduled_for, s.dose_started_at,
       ROW_NUMBER() OVER (PARTITION BY s.patient_id ORDER BY s.scheduled_for, s.id) AS n
FROM treatment_sessions_treatmentsession s JOIN {people} k ON k.patient_id = s.patient_id""",
    "CREATE UNIQUE INDEX ON {sess} (id)",
    "ANALYZE {sess}",
)
# The administrations are numbered by the rating-scale statement itself (`fast_ratings`),
# over the patients it reads: no table of theirs is made.
NUMBERING = NUMBER_PEOPLE + NUMBER_SESSIONS

K = pa.int32()  # a kept patient's `seq`, or an item's number in the export's item codes

# The cohort's patients before k-anonymity: age in completed years on the first course's
# start (or today), the first course's protocol and shifted month, the number of courses
# (counted by a window over the same sorted read of their courses that finds the first: one
# read of the courses, not two), and the patient's offset.
AGE = """(EXTRACT(YEAR FROM {on}) - EXTRACT(YEAR FROM p.date_of_birth)
  - CASE WHEN (EXTRACT(MONTH FROM {on}), EXTRACT(DAY FROM {on}))
            < (EXTRACT(MONTH FROM p.date_of_birth), EXTRACT(DAY FROM p.date_of_birth))
         THEN 1 ELSE 0 END)::bigint"""
PATIENTS = Statement(
    f"""
WITH first AS (
  SELECT DISTINCT ON (t.patient_id) t.patient_id, t.start_date, t.protocol_id,
         COUNT(*) OVER (PARTITION BY t.patient_id) AS n
  FROM dosing_treatmentplan t JOIN {{kept}} k ON k.patient_id = t.patient_id
  ORDER BY t.patient_id, t.start_date, t.id
)
SELECT k.patient_id, k.rid, p.sex,
       {AGE.format(on="COALESCE(f.start_date, {today})")},
       f.protocol_id,
       TO_CHAR(f.start_date + k.shift, 'YYYY-MM'),
       COALESCE(f.n, 0), k.shift
FROM {{kept}} k JOIN patients_patient p ON p.id = k.patient_id
LEFT JOIN first f ON f.patient_id = k.patient_id
WHERE p.clinic_id = {{clinic}}
ORDER BY k.patient_id""",
    (("patient_id", N), ("research_id", S), ("sex", S), ("age", N), ("protocol", S),
     ("start_month", S), ("courses", N), ("shift", K)),
)  # fmt: skip

COURSES = Statement(
    f"""
SELECT k.seq, k.n, t.protocol_id, v.version, t.status, {shifted_day("t.start_date")},
       t.horizon_weeks, (SELECT COUNT(*) FROM dosing_plannedvisit pv WHERE pv.plan_id = t.id)
FROM {{plans}} k JOIN dosing_treatmentplan t ON t.id = k.id
JOIN protocols_protocolversion v ON v.id = t.protocol_version_id
ORDER BY k.seq, k.n""",
    (("research_id", K), ("course_number", N), ("protocol", S), ("protocol_version", N),
     ("status", S), ("start_date", D), ("horizon_weeks", N), ("planned_visits", N)),
)  # fmt: skip

SESSIONS = Statement(
    f"""
SELECT k.seq, k.n, plans.n, pv.number, s.protocol_id, s.drug, s.route, s.state,
       {shifted_day(clinic_day("s.scheduled_for"))},
       {micro("s.discharged_at - s.dose_started_at")}
FROM {{sess}} k JOIN treatment_sessions_treatmentsession s ON s.id = k.id
LEFT JOIN dosing_plannedvisit pv ON pv.id = s.planned_visit_id
LEFT JOIN {{plans}} plans ON plans.id = pv.plan_id
ORDER BY k.seq, k.n""",
    (("research_id", K), ("session_number", N), ("course_number", N), ("visit_number", N),
     ("protocol", S), ("drug", S), ("route", S), ("state", S), ("session_date", D),
     ("minutes_dose_to_discharge", N)),
)  # fmt: skip

DOSES = Statement(
    f"""
SELECT k.seq, k.n, d.drug, d.route, d.dose_mg::float8, d.calculated_dose_mg::float8,
       w.weight_kg::float8, {micro("d.infusion_ended_at - d.infusion_started_at")},
       d.weight_basis, d.weight_used_kg::float8
FROM treatment_sessions_doseadministration d JOIN {{sess}} k ON k.id = d.session_id
LEFT JOIN treatment_sessions_presessionchecks c ON c.session_id = d.session_id
LEFT JOIN patients_bodymeasurement w ON w.id = c.weight_measurement_id
ORDER BY k.seq, k.n, d.id""",
    (("research_id", K), ("session_number", N), ("drug", S), ("route", S), ("dose_mg", F),
     ("calculated_dose_mg", F), ("weight_kg", F), ("infusion_minutes", N), ("weight_basis", S),
     ("weight_used_kg", F)),
)  # fmt: skip

# The readings are summarised per session first (one narrow aggregate), then joined.
VITALS = Statement(
    """
SELECT k.seq, k.n, r.readings, r.sys, r.dia, r.hr_max, r.hr_min, r.spo2, r.rr, r.moaas
FROM {sess} k JOIN (
  SELECT session_id, COUNT(*) AS readings, MAX(bp_systolic_mmhg) AS sys,
         MAX(bp_diastolic_mmhg) AS dia, MAX(heart_rate_bpm) AS hr_max,
         MIN(heart_rate_bpm) AS hr_min, MIN(spo2_percent) AS spo2,
         MIN(respiratory_rate_per_min) AS rr, MIN(moaas) AS moaas
  FROM treatment_sessions_vitalsignsreading GROUP BY session_id
) r ON r.session_id = k.id
ORDER BY k.seq, k.n""",
    (("research_id", K), ("session_number", N), ("readings", N), ("systolic_max_mmhg", N),
     ("diastolic_max_mmhg", N), ("heart_rate_max_bpm", N), ("heart_rate_min_bpm", N),
     ("spo2_min_percent", N), ("respiratory_rate_min", N), ("moaas_min", N)),
)  # fmt: skip

OUTCOME_FLAGS = (
    "response_induction", "remission_induction", "response_3m", "remission_3m",
    "response_6m", "remission_6m", "response_12m", "remission_12m",
)  # fmt: skip
OUTCOMES = Statement(
    f"""
SELECT p.seq, k.n, cs.protocol_id, cs.indication, cs.instrument,
       cs.baseline_total::float8, cs.sessions, {", ".join(f"cs.{f}" for f in OUTCOME_FLAGS)},
       cs.first_response_day, cs.observed_days, cs.relapse_event, cs.relapse_days,
       cs.early_4h, cs.early_24h, cs.early_day7, cs.expected_measures, cs.received_measures,
       cs.adverse_events, cs.bp_alerts, cs.cadss_peak::float8
FROM registry_coursesummary cs JOIN {{people}} p ON p.patient_id = cs.patient_id
JOIN dosing_treatmentplan t ON t.id = cs.plan_id
LEFT JOIN {{plans}} k ON k.id = cs.plan_id
WHERE cs.analysable
ORDER BY p.seq, cs.start_date, cs.plan_id""",
    (("research_id", K), ("course_number", N), ("protocol", S), ("indication", S),
     ("instrument", S), ("baseline_total", F), ("sessions", N),
     *((name, B) for name in OUTCOME_FLAGS),
     ("first_response_day", N), ("observed_days", N), ("relapse_event", B),
     ("relapse_days", N), ("early_4h", B), ("early_24h", B), ("early_day7", B),
     ("expected_measures", N), ("received_measures", N), ("adverse_events", N),
     ("bp_alerts", N), ("cadss_peak", F)),
)  # fmt: skip

ADVERSE_EVENTS = Statement(
    f"""
SELECT k.seq, k.n, e.event_type, e.severity, e.serious, e.outcome,
       {micro("e.onset_at - k.dose_started_at")}
FROM treatment_sessions_adverseevent e JOIN {{sess}} k ON k.id = e.session_id
ORDER BY k.seq, k.scheduled_for, e.onset_at, e.id""",
    (("research_id", K), ("session_number", N), ("event_type", S), ("severity", S),
     ("serious", B), ("outcome", S), ("onset_minute", N)),
)  # fmt: skip
