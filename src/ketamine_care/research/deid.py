"""De-identification, pure (no Django): shifted dates, banded and top-coded ages, the columns
an export may hold, and k-anonymity by generalisation then suppression.

- Dates move by the patient's secret offset (`shift_date`): every date of one patient moves by
  the same number of days, so intervals survive and calendar dates do not.
- Ages over 89 become "90+", as the HIPAA Safe Harbor method requires
  [@hipaa-safe-harbor §164.514(b)(2)(i)(C)].
- An export holds only allowlisted columns (`check_exportable`): never a name, MRN, contact
  detail, real date or free text.
- Before anything is written, every combination of quasi-identifiers must be shared by at
  least k rows [@sweeney-2002-k-anonymity]: `k_anonymise` widens values step by step (the
  Datafly approach: generalise until at most k rows still stand out) and then suppresses the
  rows that still do. Its report says what was widened and how many rows were dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

TOP_CODE = "90+"
OLDEST_EXACT_AGE = 89  # Safe Harbor: ages over 89 are aggregated into one category
DEFAULT_K = 5
AGE_BAND_WIDTH = 5  # the finest band a cohort table or an export starts from

# Columns the research export may write, whichever of its tables holds them. Anything else
# is refused: the export checks each of its tables against this list when it is imported
# (`export.columns.check_allowlist`) and again before a table's file is opened
# (`export.writer.TableWriter`), so a new column is a decision made here, not a side effect
# of a query. The export's tests keep the two the same: a name here that no table writes
# fails them too.
EXPORTABLE_COLUMNS = frozenset(
    {
        # who, as the project knows them
        "research_id",
        "sex",
        "age_band",
        # cohort keys and courses
        "protocol",
        "protocol_version",
        "indication",
        "start_month",
        "courses",
        "course_number",
        "status",
        "horizon_weeks",
        "planned_visits",
        # dates, each shifted by the patient's secret offset
        "start_date",
        "session_date",
        "administration_date",
        # sessions and doses
        "session_number",
        "visit_number",
        "state",
        "drug",
        "route",
        "minutes_dose_to_discharge",
        "dose_mg",
        "calculated_dose_mg",
        "weight_kg",
        "dose_mg_per_kg",
        "infusion_minutes",
        "weight_basis",
        "weight_used_kg",
        # vital signs, as aggregates of a session's readings
        "readings",
        "systolic_max_mmhg",
        "diastolic_max_mmhg",
        "heart_rate_max_bpm",
        "heart_rate_min_bpm",
        "spo2_min_percent",
        "respiratory_rate_min",
        "moaas_min",
        # rating scales (codes and numbers, never text)
        "administration_number",
        "instrument",
        "instrument_loinc",
        "definition_version",
        "time_point",
        "follow_up_day",
        "source",
        "total",
        "band",
        "item",
        "item_loinc",
        "value",
        # outcomes of a course: flags, counts and intervals in days
        "baseline_total",
        "sessions",
        "response_induction",
        "remission_induction",
        "response_3m",
        "remission_3m",
        "response_6m",
        "remission_6m",
        "response_12m",
        "remission_12m",
        "first_response_day",
        "observed_days",
        "relapse_event",
        "relapse_days",
        "early_4h",
        "early_24h",
        "early_day7",
        "expected_measures",
        "received_measures",
        "adverse_events",
        "bp_alerts",
        "cadss_peak",
        # adverse events (their descriptions and actions, being text, never)
        "event_type",
        "severity",
        "serious",
        "outcome",
        "onset_minute",
    }
)
# Never exportable, whatever is added above: direct identifiers and free text.
IDENTIFIER_COLUMNS = frozenset(
    {
        "given_name",
        "family_name",
        "full_name",
        "name",
        "mrn",
        "phone",
        "email",
        "address",
        "date_of_birth",
        "public_id",
        "patient_id",
        "note",
        "notes",
        "comment",
        "reason",
        "free_text",
        "offset_days",
    }
)


class NotExportable(ValueError):
    """A column outside the allowlist, or an identifier, was about to leave the server."""


def refusal(column: str) -> str | None:
    """Why `column` may not be exported (an identifier, or not on the allowlist), or None."""
    if column in IDENTIFIER_COLUMNS:
        return "an identifier (research.deid)"
    if column not in EXPORTABLE_COLUMNS:
        return "not on the allowlist (research.deid.EXPORTABLE_COLUMNS)"
    return None


def check_exportable(columns: Iterable[str]) -> None:
    """Raise NotExportable naming every column that may not be exported."""
    refused = [c for c in columns if refusal(c)]
    if refused:
        raise NotExportable(f"Columns not allowed in research data: {', '.join(refused)}")


def shift_date(value: date | datetime | None, offset_days: int) -> date | datetime | None:
    """`value` moved by the patient's offset (None stays None)."""
    if value is None:
        return None
    return value + timedelta(days=offset_days)


def top_code_age(age: int) -> str:
    """The age as text, "90+" over 89 [@hipaa-safe-harbor §164.514(b)(2)(i)(C)]."""
    if age < 0:
        raise ValueError("An age cannot be negative.")
    return TOP_CODE if age > OLDEST_EXACT_AGE else str(age)


def age_band(age: int, width: int = AGE_BAND_WIDTH) -> str:
    """The band of `width` years holding `age` ("30-34"); "90+" over 89, and no band reaches
    past 89 (width 20 gives "80-89", not "80-99")."""
    if age < 0:
        raise ValueError("An age cannot be negative.")
    if age > OLDEST_EXACT_AGE:
        return TOP_CODE
    low = age // width * width
    return f"{low}-{min(low + width - 1, OLDEST_EXACT_AGE)}"


_BAND = re.compile(r"^(\d+)-(\d+)$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q[1-4]$")


def widen_age_band(width: int) -> Callable[[object], object]:
    """A generalisation step: an age band ("30-34") to the band of `width` holding it."""

    def widen(value: object) -> object:
        match = _BAND.match(value) if isinstance(value, str) else None
        return age_band(int(match[1]), width) if match else value

    return widen


def month_to_quarter(value: object) -> object:
    """ "2026-05" -> "2026-Q2"; anything else unchanged."""
    match = _MONTH.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    return f"{match[1]}-Q{(int(match[2]) - 1) // 3 + 1}"


def to_year(value: object) -> object:
    """ "2026-05" or "2026-Q2" -> "2026"; anything else unchanged."""
    if isinstance(value, str) and (_MONTH.match(value) or _QUARTER.match(value)):
        return value[:4]
    return value


@dataclass(frozen=True)
class Step:
    """One generalisation: `column`'s values passed through `widen`, named `label`."""

    column: str
    label: str
    widen: Callable[[object], object]


# The default ladder, mildest first: the start month loses detail before the age does.
LADDER: tuple[Step, ...] = (
    Step("start_month", "start month to quarter", month_to_quarter),
    Step("age_band", "age bands of 10 years", widen_age_band(10)),
    Step("start_month", "start quarter to year", to_year),
    Step("age_band", "age bands of 20 years", widen_age_band(20)),
)


@dataclass(frozen=True)
class KAnonymityReport:
    k: int
    quasi_identifiers: tuple[str, ...]
    rows_in: int
    rows_out: int
    suppressed: int
    generalised: tuple[str, ...] = field(default_factory=tuple)
    classes: int = 0
    smallest_class: int | None = None

    def as_dict(self) -> dict:
        return {
            "k": self.k,
            "quasi_identifiers": list(self.quasi_identifiers),
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "suppressed": self.suppressed,
            "generalised": list(self.generalised),
            "classes": self.classes,
            "smallest_class": self.smallest_class,
        }


def _class_sizes(rows: Sequence[Mapping], qis: Sequence[str]) -> Counter:
    return Counter(tuple(row.get(c) for c in qis) for row in rows)


def _outliers(sizes: Counter, k: int) -> int:
    return sum(n for n in sizes.values() if n < k)


def k_anonymise(
    rows: Iterable[Mapping],
    quasi_identifiers: Sequence[str],
    k: int = DEFAULT_K,
    *,
    ladder: Sequence[Step] = LADDER,
) -> tuple[list[dict], KAnonymityReport]:
    """Rows in which every combination of `quasi_identifiers` occurs at least `k` times.

    Generalisation first: the ladder's steps for the quasi-identifiers present are applied one
    after another, and stop as soon as no more than k rows sit in classes smaller than k
    (Datafly [@sweeney-2002-k-anonymity]). Then the rows still in small classes are suppressed.
    The input rows are not changed; the report's rows_in = rows_out + suppressed."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    qis = tuple(quasi_identifiers)
    out = [dict(row) for row in rows]
    generalised: list[str] = []
    sizes = _class_sizes(out, qis)
    for step in (s for s in ladder if s.column in qis):
        if _outliers(sizes, k) <= k:
            break
        for row in out:
            row[step.column] = step.widen(row.get(step.column))
        generalised.append(step.label)
        sizes = _class_sizes(out, qis)
    kept = [row for row in out if sizes[tuple(row.get(c) for c in qis)] >= k]
    kept_sizes = _class_sizes(kept, qis)
    report = KAnonymityReport(
        k=k,
        quasi_identifiers=qis,
        rows_in=len(out),
        rows_out=len(kept),
        suppressed=len(out) - len(kept),
        generalised=tuple(generalised),
        classes=len(kept_sizes),
        smallest_class=min(kept_sizes.values()) if kept_sizes else None,
    )
    return kept, report
