"""A cohort of courses: protocol, indication, start-date range, age band and sex.

`CohortFilter` is plain data (the dashboard's form, the research export and the benchmark build
one); `filter_summaries(clinic, cohort_filter)` is the one place a cohort becomes a query, and
it is always scoped to one clinic. An empty field means "any".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import QuerySet

from ketamine_care.registry.models import CourseSummary

# Age at the course's start, in whole years: (key, label, lowest, highest or None).
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0-17", "Under 18", 0, 17),
    ("18-29", "18 to 29", 18, 29),
    ("30-39", "30 to 39", 30, 39),
    ("40-49", "40 to 49", 40, 49),
    ("50-59", "50 to 59", 50, 59),
    ("60-69", "60 to 69", 60, 69),
    ("70-79", "70 to 79", 70, 79),
    ("80+", "80 and over", 80, None),
)
AGE_BAND_KEYS = tuple(key for key, *_ in AGE_BANDS)


@dataclass(frozen=True)
class CohortFilter:
    protocol: str = ""  # protocol id, e.g. "iv-ketamine-trd"
    indication: str = ""  # e.g. "treatment_resistant_depression"
    start_from: date | None = None  # course start on or after
    start_to: date | None = None  # course start on or before
    age_band: str = ""  # one of AGE_BAND_KEYS
    sex: str = ""  # patients.Sex value

    def __post_init__(self) -> None:
        if self.age_band and self.age_band not in AGE_BAND_KEYS:
            raise ValueError(f"age_band: unknown band {self.age_band!r}")

    def describe(self) -> dict[str, str]:
        """The filter as stored in an audit event and shown on the page: set fields only."""
        return {k: str(v) for k, v in asdict(self).items() if v not in ("", None)}

    @property
    def is_everyone(self) -> bool:
        return not self.describe()


def age_bounds(band: str) -> tuple[int, int | None]:
    for key, _label, low, high in AGE_BANDS:
        if key == band:
            return low, high
    raise ValueError(f"age_band: unknown band {band!r}")


def filter_summaries(clinic, cohort_filter: CohortFilter) -> QuerySet[CourseSummary]:
    """The clinic's course summaries in the cohort (never another clinic's)."""
    rows = CourseSummary.objects.filter(clinic=clinic)
    f = cohort_filter
    if f.protocol:
        rows = rows.filter(protocol_id=f.protocol)
    if f.indication:
        rows = rows.filter(indication=f.indication)
    if f.start_from:
        rows = rows.filter(start_date__gte=f.start_from)
    if f.start_to:
        rows = rows.filter(start_date__lte=f.start_to)
    if f.age_band:
        low, high = age_bounds(f.age_band)
        rows = rows.filter(age_at_start__gte=low)
        if high is not None:
            rows = rows.filter(age_at_start__lte=high)
    if f.sex:
        rows = rows.filter(sex=f.sex)
    return rows
