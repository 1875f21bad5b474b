"""What every batch of synthetic rows shares, set up once per run through the app's own
services where the app has one (the clinic's staff, the protocols activated by the medical
director, the stocked products), and the pure computations the services would run per row,
done once and reused: each protocol's planned course (`dosing.planning.plan_course`) for a
start on each weekday, its alert rules, the instruments' definitions and digests."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.core.clock import clinic_today
from ketamine_care.demo.synth import catalogue
from ketamine_care.dosing.planning import DAY_NAMES, plan_course
from ketamine_care.dosing.services import _phase_gaps
from ketamine_care.instruments.definition import (
    content_digest,
    definition_content,
    load_definition,
)
from ketamine_care.inventory import services as inventory
from ketamine_care.inventory.models import Product
from ketamine_care.protocols.queries import active_version
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.treatment_sessions.monitoring import monitoring_for

STAFF = {
    Role.MEDICAL_DIRECTOR: "Synthetic Director",
    Role.PRESCRIBER: "Synthetic Prescriber",
    Role.NURSE: "Synthetic Nurse",
    Role.CLINIC_ADMIN: "Synthetic Admin",
}
INSTRUMENTS = ("madrs", "cadss")
CLINIC_DAYS = ",".join(DAY_NAMES[:5])


@dataclass(frozen=True)
class CourseTemplate:
    """One protocol's planned course for a start on one weekday: the visits as day offsets
    from the start, and the plan's reviews and warnings as the planner gave them."""

    protocol_id: str
    version_id: int
    drug: str
    route: str
    horizon_weeks: int
    visits: tuple[tuple[int, int, str, str, str, int, str], ...]  # offset, number, phase, ...
    reviews: tuple[tuple[int, int, str], ...]  # (after_visit, day offset, purpose)
    warnings: str  # JSON
    dose: dict
    monitoring: object


@dataclass
class Context:
    clinic: Clinic
    today: date
    zone: ZoneInfo
    staff: dict[str, int]
    courses: dict[tuple[str, int], CourseTemplate]
    versions: dict[str, object]
    products: dict[str, Product]
    instruments: dict[str, tuple[object, str]]
    extra: dict = field(default_factory=dict)


def prepare(clinic_name: str) -> Context:
    """The clinic (created if new), its staff, protocols and products, and the templates."""
    clinic, _ = Clinic.objects.get_or_create(name=clinic_name)
    staff = {role: _member(clinic, role, name) for role, name in STAFF.items()}
    director = User.objects.get(pk=staff[Role.MEDICAL_DIRECTOR])
    versions = {}
    for protocol_id, values in catalogue.CLINIC_VALUES.items():
        version = active_version(clinic, protocol_id) or activate_protocol(
            clinic=clinic, protocol_id=protocol_id, actor=director, clinic_values=values
        )
        versions[protocol_id] = version
    courses = {
        (pid, weekday): _course(clinic, versions[pid], catalogue.PROTOCOLS[pid][1], weekday)
        for pid in catalogue.PROTOCOLS
        for weekday in range(5)
    }
    return Context(
        clinic=clinic,
        today=clinic_today(clinic),
        zone=ZoneInfo(clinic.time_zone),
        staff=staff,
        courses=courses,
        versions=versions,
        products=_products(clinic, User.objects.get(pk=staff[Role.CLINIC_ADMIN])),
        instruments={
            code: (load_definition(code), content_digest(definition_content(code)))
            for code in INSTRUMENTS
        },
    )


def _member(clinic: Clinic, role: str, full_name: str) -> int:
    slug = clinic.public_id.hex[:8]
    email = f"{role}.{slug}@synthetic.invalid"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, None, full_name=full_name
    )
    Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": role})
    return user.pk


def _products(clinic: Clinic, admin: User) -> dict[str, Product]:
    vial_name, strength, volume = catalogue.VIAL
    device_name, per_device = catalogue.DEVICE
    products = {p.drug: p for p in Product.objects.filter(clinic=clinic)}
    if "ketamine" not in products:
        products["ketamine"] = inventory.add_product(
            clinic=clinic, actor=admin, name=vial_name, drug="ketamine", form="vial",
            strength_mg_per_ml=strength, volume_ml=volume,
        )  # fmt: skip
    if "esketamine" not in products:
        products["esketamine"] = inventory.add_product(
            clinic=clinic, actor=admin, name=device_name, drug="esketamine",
            form="nasal_device", mg_per_device=per_device,
        )  # fmt: skip
    # As stored (decimals with their scale), the same in every run.
    return {p.drug: p for p in Product.objects.filter(pk__in=[p.pk for p in products.values()])}


def _course(clinic: Clinic, version, horizon: int, weekday: int) -> CourseTemplate:
    """The planner's course from a start on `weekday` (0 = Monday), as offsets in days."""
    definition = version.parsed()
    every_days = version.clinic_values.get("schedule.blocks.frequency")
    start = date(2024, 1, 1) + timedelta(days=weekday)  # a Monday, plus the weekday
    course = plan_course(definition, start=start, horizon_weeks=horizon, every_days=every_days)
    gaps = _phase_gaps(definition, every_days)
    visits = tuple(
        (
            (v.date - start).days,
            v.number,
            v.phase,
            json.dumps(v.dose),
            json.dumps(list(v.assessments)),
            gaps[v.phase],
            v.condition or "",
        )
        for v in course.visits
    )
    first = course.visits[0].dose
    session = SimpleNamespace(
        protocol_version=version, clinic=clinic, route=first["route"],
        dose_started_at=None, scheduled_for=None, patient=None,
    )  # fmt: skip
    return CourseTemplate(
        protocol_id=definition.id,
        version_id=version.pk,
        drug=definition.drug,
        route=first["route"],
        horizon_weeks=horizon,
        visits=visits,
        reviews=tuple((r.after_visit, (r.date - start).days, r.purpose) for r in course.reviews),
        warnings=json.dumps(list(course.warnings)),
        dose=first,
        monitoring=monitoring_for(session),
    )


def batch_random(seed: int, dataset: int, batch: int) -> random.Random:
    """The generator of one batch: batches are independent, so a run is the same whatever
    its batch size... given the same batch size, seed and dataset number."""
    return random.Random(f"synth:{seed}:{dataset}:{batch}")
