"""The research export's tables as one SQL statement each, for PostgreSQL (`fast.py`).

Every statement reads the kept patients' table `{kept}` (patient id, research id, date
offset: the project's consenting patients that k-anonymity kept), so the de-identification
happens in the database: the research id replaces the patient, every calendar date is
shifted by the patient's offset and leaves as a day number (days since 1970-01-01), no
identifier or free-text column is selected, and rows are ordered as the Python path
(`sources.py`) orders them. Durations leave as whole microseconds and are turned into
minutes by the same arrow arithmetic as the Python path (`arrays.micro_minutes`).

`{zone}` is the clinic's time zone as a quoted literal; `{codes}` holds the shipped
instrument definitions' panel code and items ({item: item LOINC}) by code and version.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

EPOCH = "DATE '1970-01-01'"


def shifted_day(expression: str) -> str:
    """A date (or an instant's clinic day) plus the patient's offset, as days since 1970."""
    return f"(({expression}) - {EPOCH}) + k.shift"


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

# The patients' sessions, numbered per patient in (scheduled_for, id) order.
SESSION_NUMBERS = """
sess AS (
  SELECT s.id, s.patient_id, s.scheduled_for, s.dose_started_at, k.rid,
         ROW_NUMBER() OVER (PARTITION BY s.patient_id ORDER BY s.scheduled_for, s.id) AS n
  FROM treatment_sessions_treatmentsession s JOIN {kept} k ON k.patient_id = s.patient_id
)"""

# The patients' courses, numbered per patient in (start_date, id) order.
COURSE_NUMBERS = """
plan_no AS (
  SELECT p.id, ROW_NUMBER() OVER (PARTITION BY p.patient_id ORDER BY p.start_date, p.id) AS n
  FROM dosing_treatmentplan p JOIN {kept} k ON k.patient_id = p.patient_id
)"""

# The cohort's patients before k-anonymity: age in completed years on the first course's
# start (or today), the first course's protocol and shifted month, the number of courses.
AGE = """(EXTRACT(YEAR FROM {on}) - EXTRACT(YEAR FROM p.date_of_birth)
  - CASE WHEN (EXTRACT(MONTH FROM {on}), EXTRACT(DAY FROM {on}))
            < (EXTRACT(MONTH FROM p.date_of_birth), EXTRACT(DAY FROM p.date_of_birth))
         THEN 1 ELSE 0 END)::bigint"""
PATIENTS = Statement(
    f"""
WITH first AS (
  SELECT DISTINCT ON (t.patient_id) t.patient_id, t.start_date, t.protocol_id
  FROM dosing_treatmentplan t JOIN {{kept}} k ON k.patient_id = t.patient_id
  ORDER BY t.patient_id, t.start_date, t.id
), plans AS (
  SELECT t.patient_id, COUNT(*) AS n
  FROM dosing_treatmentplan t JOIN {{kept}} k ON k.patient_id = t.patient_id
  GROUP BY t.patient_id
)
SELECT k.patient_id, k.rid, p.sex,
       {AGE.format(on="COALESCE(f.start_date, {today})")},
       f.protocol_id,
       TO_CHAR(f.start_date + k.shift, 'YYYY-MM'),
       COALESCE(plans.n, 0)
FROM {{kept}} k JOIN patients_patient p ON p.id = k.patient_id
LEFT JOIN first f ON f.patient_id = k.patient_id
LEFT JOIN plans ON plans.patient_id = k.patient_id
WHERE p.clinic_id = {{clinic}}
ORDER BY k.patient_id""",
    (("patient_id", N), ("research_id", S), ("sex", S), ("age", N), ("protocol", S),
     ("start_month", S), ("courses", N)),
)  # fmt: skip

COURSES = Statement(
    f"""
SELECT k.rid,
       ROW_NUMBER() OVER (PARTITION BY t.patient_id ORDER BY t.start_date, t.id),
       t.protocol_id, v.version, t.status, {shifted_day("t.start_date")}, t.horizon_weeks,
       (SELECT COUNT(*) FROM dosing_plannedvisit pv WHERE pv.plan_id = t.id)
FROM dosing_treatmentplan t JOIN {{kept}} k ON k.patient_id = t.patient_id
JOIN protocols_protocolversion v ON v.id = t.protocol_version_id
ORDER BY t.patient_id, t.start_date, t.id""",
    (("research_id", S), ("course_number", N), ("protocol", S), ("protocol_version", N),
     ("status", S), ("start_date", D), ("horizon_weeks", N), ("planned_visits", N)),
)  # fmt: skip

SESSIONS = Statement(
    f"""
WITH {COURSE_NUMBERS}
SELECT k.rid,
       ROW_NUMBER() OVER (PARTITION BY s.patient_id ORDER BY s.scheduled_for, s.id),
       plan_no.n, pv.number, s.protocol_id, s.drug, s.route, s.state,
       {shifted_day(clinic_day("s.scheduled_for"))},
       {micro("s.discharged_at - s.dose_started_at")}
FROM treatment_sessions_treatmentsession s JOIN {{kept}} k ON k.patient_id = s.patient_id
LEFT JOIN dosing_plannedvisit pv ON pv.id = s.planned_visit_id
LEFT JOIN plan_no ON plan_no.id = pv.plan_id
ORDER BY s.patient_id, s.scheduled_for, s.id""",
    (("research_id", S), ("session_number", N), ("course_number", N), ("visit_number", N),
     ("protocol", S), ("drug", S), ("route", S), ("state", S), ("session_date", D),
     ("minutes_dose_to_discharge", N)),
)  # fmt: skip

DOSES = Statement(
    f"""
WITH {SESSION_NUMBERS}
SELECT sess.rid, sess.n, d.drug, d.route, d.dose_mg::float8, d.calculated_dose_mg::float8,
       w.weight_kg::float8, {micro("d.infusion_ended_at - d.infusion_started_at")}
FROM treatment_sessions_doseadministration d JOIN sess ON sess.id = d.session_id
LEFT JOIN treatment_sessions_presessionchecks c ON c.session_id = d.session_id
LEFT JOIN patients_bodymeasurement w ON w.id = c.weight_measurement_id
ORDER BY sess.patient_id, sess.scheduled_for, d.session_id, d.id""",
    (("research_id", S), ("session_number", N), ("drug", S), ("route", S), ("dose_mg", F),
     ("calculated_dose_mg", F), ("weight_kg", F), ("infusion_minutes", N)),
)  # fmt: skip

VITALS = Statement(
    f"""
WITH {SESSION_NUMBERS}
SELECT sess.rid, sess.n, COUNT(*), MAX(r.bp_systolic_mmhg), MAX(r.bp_diastolic_mmhg),
       MAX(r.heart_rate_bpm), MIN(r.heart_rate_bpm), MIN(r.spo2_percent),
       MIN(r.respiratory_rate_per_min), MIN(r.moaas)
FROM sess JOIN treatment_sessions_vitalsignsreading r ON r.session_id = sess.id
GROUP BY sess.patient_id, sess.scheduled_for, sess.id, sess.rid, sess.n
ORDER BY sess.patient_id, sess.scheduled_for, sess.id""",
    (("research_id", S), ("session_number", N), ("readings", N), ("systolic_max_mmhg", N),
     ("diastolic_max_mmhg", N), ("heart_rate_max_bpm", N), ("heart_rate_min_bpm", N),
     ("spo2_min_percent", N), ("respiratory_rate_min", N), ("moaas_min", N)),
)  # fmt: skip

ADMINISTRATIONS = Statement(
    f"""
SELECT k.rid,
       ROW_NUMBER() OVER (PARTITION BY a.patient_id ORDER BY a.administered_at, a.id),
       a.instrument_code, codes.panel, a.definition_version,
       {shifted_day(clinic_day("a.administered_at"))},
       a.time_point, a.follow_up_day, a.source, a.total, a.band
FROM instruments_administration a JOIN {{kept}} k ON k.patient_id = a.patient_id
LEFT JOIN {{codes}} codes
  ON codes.code = a.instrument_code AND codes.version = a.definition_version
WHERE a.status = 'active'
ORDER BY a.patient_id, a.administered_at, a.id""",
    (("research_id", S), ("administration_number", N), ("instrument", S),
     ("instrument_loinc", S), ("definition_version", S), ("administration_date", D),
     ("time_point", S), ("follow_up_day", N), ("source", S), ("total", N), ("band", S)),
)  # fmt: skip

# Numeric answers to the definition's own items only, in the answers' stored key order.
# The definitions' items join each administration before the numbering's sort, so the
# expanded answers come out in that order and only each administration's few answers are
# sorted (an incremental sort), never the whole table.
ITEM_ANSWERS = Statement(
    """
WITH adm AS (
  SELECT a.patient_id, a.administered_at, a.id, k.rid, a.instrument_code, codes.items,
         a.answers,
         ROW_NUMBER() OVER (PARTITION BY a.patient_id ORDER BY a.administered_at, a.id) AS n
  FROM instruments_administration a JOIN {kept} k ON k.patient_id = a.patient_id
  LEFT JOIN {codes} codes
    ON codes.code = a.instrument_code AND codes.version = a.definition_version
  WHERE a.status = 'active'
)
SELECT adm.rid, adm.n, adm.instrument_code, e.key, adm.items ->> e.key, e.value::float8
FROM adm CROSS JOIN LATERAL jsonb_each(
  CASE WHEN jsonb_typeof(adm.answers) = 'object' THEN adm.answers END
) WITH ORDINALITY AS e(key, value, ord)
WHERE adm.items ? e.key AND jsonb_typeof(e.value) = 'number'
ORDER BY adm.patient_id, adm.administered_at, adm.id, e.ord""",
    (("research_id", S), ("administration_number", N), ("instrument", S), ("item", S),
     ("item_loinc", S), ("value", F)),
)  # fmt: skip

OUTCOME_FLAGS = (
    "response_induction", "remission_induction", "response_3m", "remission_3m",
    "response_6m", "remission_6m", "response_12m", "remission_12m",
)  # fmt: skip
OUTCOMES = Statement(
    f"""
WITH {COURSE_NUMBERS}
SELECT k.rid, plan_no.n, cs.protocol_id, cs.indication, cs.instrument,
       cs.baseline_total::float8, cs.sessions, {", ".join(f"cs.{f}" for f in OUTCOME_FLAGS)},
       cs.first_response_day, cs.observed_days, cs.relapse_event, cs.relapse_days,
       cs.early_4h, cs.early_24h, cs.early_day7, cs.expected_measures, cs.received_measures,
       cs.adverse_events, cs.bp_alerts, cs.cadss_peak::float8
FROM registry_coursesummary cs JOIN {{kept}} k ON k.patient_id = cs.patient_id
JOIN dosing_treatmentplan t ON t.id = cs.plan_id
LEFT JOIN plan_no ON plan_no.id = cs.plan_id
WHERE cs.analysable
ORDER BY cs.patient_id, cs.start_date, cs.plan_id""",
    (("research_id", S), ("course_number", N), ("protocol", S), ("indication", S),
     ("instrument", S), ("baseline_total", F), ("sessions", N),
     *((name, B) for name in OUTCOME_FLAGS),
     ("first_response_day", N), ("observed_days", N), ("relapse_event", B),
     ("relapse_days", N), ("early_4h", B), ("early_24h", B), ("early_day7", B),
     ("expected_measures", N), ("received_measures", N), ("adverse_events", N),
     ("bp_alerts", N), ("cadss_peak", F)),
)  # fmt: skip

ADVERSE_EVENTS = Statement(
    f"""
WITH {SESSION_NUMBERS}
SELECT sess.rid, sess.n, e.event_type, e.severity, e.serious, e.outcome,
       {micro("e.onset_at - sess.dose_started_at")}
FROM treatment_sessions_adverseevent e JOIN sess ON sess.id = e.session_id
ORDER BY sess.patient_id, sess.scheduled_for, e.onset_at, e.id""",
    (("research_id", S), ("session_number", N), ("event_type", S), ("severity", S),
     ("serious", B), ("outcome", S), ("onset_minute", N)),
)  # fmt: skip
