"""One batch of synthetic patients as rows: the tables in the order their foreign keys need,
ids reserved up front, and the per-patient draws (protocol, response pattern, demographics,
course start) that the course and the sessions are built from."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ketamine_care.demo.synth import catalogue
from ketamine_care.demo.synth.tables import Ids, Table
from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.patients.models import (
    BodyMeasurement,
    Diagnosis,
    Medication,
    Patient,
    ResearchConsent,
)
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    DischargeAssessment,
    DoseAdministration,
    PreSessionChecks,
    RemsMonitoringForm,
    SessionAlert,
    TreatmentSession,
    VitalSignsReading,
)

# Insert order (parents first) and the most rows of each per patient (ids reserved).
PER_PATIENT = (
    (Patient, 1),
    (ResearchConsent, 2),
    (Diagnosis, 1),
    (Medication, 1),
    (BodyMeasurement, 1),
    (ScreeningVerdict, 1),
    (TreatmentPlan, 1),
    (PlannedVisit, 8),
    (Lot, 0),
    (LedgerEntry, 8),
    (TreatmentSession, 8),
    (PreSessionChecks, 8),
    (DoseAdministration, 8),
    (VitalSignsReading, 24),
    (SessionAlert, 40),
    (AdverseEvent, 8),
    (DischargeAssessment, 8),
    (RemsMonitoringForm, 8),
    (Administration, 32),
)
# A lot (and its receipt) per drug and calendar quarter of the batch's doses.
PER_BATCH = {Lot: 2 * (4 * catalogue.YEARS + 2), LedgerEntry: 2 * (4 * catalogue.YEARS + 2)}
ACTIVE = {"status": "active", "entered_in_error_reason": ""}


@dataclass
class Draw:
    """One patient's random values, drawn in a fixed order."""

    number: int
    journey: str
    protocol: str
    pattern: str
    sex: str
    age: int
    given: str
    family: str
    code: str
    label: str
    medication: tuple
    body: tuple[int, int]
    start: date
    stop_after: int | None
    consent: bool
    withdrawn: bool
    madrs0: int
    cadss_peak: int


class Batch:
    """The tables of one batch, ids reserved for `count` patients."""

    def __init__(self, extra_models: tuple = ()) -> None:
        self.tables: dict[type, Table] = {}
        for model, _per in PER_PATIENT:
            self.tables[model] = Table(model)
        for model in extra_models:
            self.tables[model] = Table(model)
        self.next_id: dict[type, int] = {}
        self.draws: list[Draw] = []  # each patient's draw, for tests of the patterns

    def start_at(self, bases: dict[type, int]) -> None:
        """Hand out ids from `bases` (the first reserved id of each table)."""
        self.next_id = dict(bases)

    def add(self, model: type, **row) -> dict:
        """Append a row with the next reserved id; the row (its "id" included)."""
        row["id"] = self.next_id[model]
        self.next_id[model] += 1
        return self.tables[model].add(**row)

    def ordered(self) -> list[Table]:
        return list(self.tables.values())


def reserve(ids: Ids, count: int, extra: dict | None = None) -> dict[type, int]:
    """Reserve the ids `count` patients may need; the first id of each table."""
    bounds = {model: per * count + PER_BATCH.get(model, 0) for model, per in PER_PATIENT}
    bounds.update({model: per * count for model, per in (extra or {}).items()})
    return {model: ids.block(model, bound) if bound else 0 for model, bound in bounds.items()}


def public_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def draw(rng: random.Random, number: int, today: date) -> Draw:
    """The patient's protocol, response pattern, demographics and course start."""
    journeys = list(catalogue.JOURNEYS)
    journey = rng.choices(journeys, list(catalogue.JOURNEYS.values()))[0]
    protocols = list(catalogue.PROTOCOLS)
    protocol = rng.choices(protocols, [catalogue.PROTOCOLS[p][0] for p in protocols])[0]
    patterns = list(catalogue.PATTERN_SHARES)
    pattern = rng.choices(patterns, list(catalogue.PATTERN_SHARES.values()))[0]
    sex = rng.choice(("female", "female", "female", "male", "male"))
    code, label = rng.choice(catalogue.PROTOCOLS[protocol][2])
    height = rng.randrange(152, 191, 3) if sex == "male" else rng.randrange(148, 179, 3)
    start = today - timedelta(days=rng.randint(7, 365 * catalogue.YEARS))
    # A drop-out stops after 1-7 sessions (never the whole series: see course.sessions_given).
    stop = rng.randint(1, 7) if rng.random() < catalogue.DROP_OUT else None
    return Draw(
        number=number,
        journey=journey,
        protocol=protocol,
        pattern=pattern,
        sex=sex,
        age=rng.randint(19, 78),
        given=rng.choice(catalogue.GIVEN_NAMES[sex]),
        family=rng.choice(catalogue.FAMILY_NAMES),
        code=code,
        label=label,
        medication=rng.choice(catalogue.MEDICATIONS[protocol]),
        body=(_weight(rng, height), height),
        start=start,
        stop_after=stop,
        consent=rng.random() < catalogue.CONSENT,
        withdrawn=rng.random() < catalogue.WITHDRAWN,
        madrs0=rng.randint(28, 38),
        cadss_peak=rng.randint(*catalogue.CADSS_PEAK),
    )


def _weight(rng: random.Random, height_cm: int) -> int:
    """Whole kilograms for a BMI of 19 to 29: at a BMI of 30 or more the dose calculator asks
    the clinician to choose the weight basis, a choice synthetic sessions do not make."""
    metres = height_cm / 100
    return int(rng.uniform(19, 29.4) * metres * metres)


def local(zone, day: date, minutes: float) -> datetime:
    """`minutes` after midnight of `day` in the clinic's time zone."""
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minutes)
