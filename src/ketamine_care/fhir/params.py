"""Search parameters parsed from a query string and turned into ORM filters.

Repeated parameters combine with AND (`date=ge2026-01-01&date=le2026-02-01`), commas inside
one value with OR (`code=8867-4,9279-1`). A parameter the resource type does not know answers
400, unless the client sent `Prefer: handling=lenient` (then it is ignored, and the Bundle's
self link shows only the parameters used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ketamine_care.fhir.registry import DATE, REFERENCE, STRING, TOKEN, ResourceType, SearchParam
from ketamine_care.fhir.responses import FhirError

# Understood for every type: paging, includes and the format (checked by the view).
CONTROL = {"_count", "_include", "_cursor", "_format"}
# Search parameters every type has.
COMMON = {
    "_id": SearchParam(TOKEN, description="The resource's logical id"),
    "_lastUpdated": SearchParam(DATE, description="When the resource last changed"),
}
_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}(?:-\d{2}(?:-\d{2}(?:T.+)?)?)?)$")


@dataclass
class Query:
    """A parsed search: the parameters used (name -> its values, one per repetition)."""

    params: dict[str, list[str]] = field(default_factory=dict)
    count: int = 20
    includes: list[str] = field(default_factory=list)
    cursor: str = ""


def lenient(request) -> bool:
    prefer = request.headers.get("Prefer", "")
    return "handling=lenient" in prefer.replace(" ", "").lower()


def parse_query(request, parts: list[ResourceType]) -> Query:
    known = set(COMMON)
    for part in parts:
        known |= set(part.search_params)
    query = Query(count=settings.FHIR_DEFAULT_COUNT)
    for name in request.GET:
        values = request.GET.getlist(name)
        if name in known:
            query.params[name] = values
        elif name == "_count":
            query.count = _count(values[-1])
        elif name == "_include":
            query.includes = _includes(values, parts)
        elif name == "_cursor":
            query.cursor = values[-1]
        elif name not in CONTROL and not lenient(request):
            raise FhirError(400, "not-supported", f"Unknown search parameter: {name}")
    return query


def _count(value: str) -> int:
    try:
        count = int(value)
    except ValueError as exc:
        raise FhirError(400, "invalid", "_count must be a whole number.") from exc
    if count < 0:
        raise FhirError(400, "invalid", "_count must not be negative.")
    return min(count, settings.FHIR_MAX_COUNT)


def _includes(values: list[str], parts: list[ResourceType]) -> list[str]:
    offered = {name for part in parts for name in part.includes}
    names = []
    for value in values:
        source, _, name = value.partition(":")
        if source != parts[0].name or name not in offered:
            raise FhirError(400, "not-supported", f"_include not supported: {value}")
        names.append(name)
    return names


def filter_part(part: ResourceType, rows, query: Query):
    """The part's rows matching every parameter, or None when the part cannot match.
    `rows`: a function giving the part's queryset, called only when the part can match (a
    search of one Observation code builds no queryset for the other parts)."""
    built = []

    def model():  # a date parameter needs to know its column's type
        if not built:
            built.append(rows())
        return built[0].model

    conditions = []
    for name, values in query.params.items():
        param = COMMON.get(name) or part.search_params.get(name)
        if param is None:
            return None  # another part's parameter: no row of this part has it
        for value in values:
            condition = _condition(part, name, param, value, model)
            if condition is None:
                return None
            conditions.append(condition)
    queryset = built[0] if built else rows()
    for condition in conditions:
        queryset = queryset.filter(condition)
    return queryset


def _condition(part, name, param, value, model) -> Q | None:
    alternatives = [v for v in value.split(",") if v.strip()]
    if not alternatives:
        raise FhirError(400, "invalid", f"{name} needs a value.")
    combined = None
    for alternative in alternatives:
        branch = _one(part, name, param, alternative.strip(), model)
        if branch is not None:
            combined = branch if combined is None else combined | branch
    return combined


def _one(part, name, param, value, model) -> Q | None:
    if name == "_id":
        return _by_id(part, value)
    if name == "_lastUpdated":
        return _date(part.updated_field, value, model())
    if param.type == TOKEN:
        return _token(param, value)
    if param.type == STRING:
        word = value.strip().lower()
        branches = [Q(**{f"{path}__startswith": word}) for path in param.paths or (param.path,)]
        combined = branches[0]
        for branch in branches[1:]:
            combined |= branch
        return combined
    if param.type == DATE:
        return _date(param.path, value, model())
    if param.type == REFERENCE:
        return Q(**{f"{param.path}__public_id": _uuid(value.rsplit("/", 1)[-1], name)})
    raise FhirError(400, "not-supported", f"{name}: unsupported parameter type.")


def _by_id(part, value: str) -> Q | None:
    if part.id_prefix:
        if not value.startswith(part.id_prefix + "-"):
            return None
        value = value[len(part.id_prefix) + 1 :]
    lookup = part.key_filter(value)
    return None if lookup is None else Q(**lookup)  # no row has an id of another shape


def _uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise FhirError(400, "invalid", f"{name}: not a known id: {value}") from exc


def _token(param: SearchParam, value: str) -> Q | None:
    system, bar, code = value.rpartition("|")
    if not bar:
        system = None
    if param.match is not None:
        return param.match(system, code)
    if param.fixed:
        hit = any(code == c and (system is None or system == s) for s, c in param.fixed)
        return Q() if hit else None
    if system is not None and param.system is not None and system != param.system:
        return None
    if param.transform is not None:
        code = param.transform(code)
        if code is None:
            return None
    return Q(**{param.path: code})


def _date(path: str, value: str, model) -> Q:
    match = _DATE.match(value)
    if not match:
        raise FhirError(400, "invalid", f"Not a FHIR date: {value}")
    prefix, text = match.group(1) or "eq", match.group(2)
    if prefix not in ("eq", "gt", "lt", "ge", "le"):
        raise FhirError(400, "not-supported", f"Date prefix not supported: {prefix}")
    start, end = _range(text)
    if not _is_datetime(model, path):
        start, end = start.date(), end.date()
    if prefix == "eq":
        return Q(**{f"{path}__gte": start, f"{path}__lt": end})
    lookups = {"ge": ("gte", start), "gt": ("gte", end), "lt": ("lt", start), "le": ("lt", end)}
    lookup, bound = lookups[prefix]
    return Q(**{f"{path}__{lookup}": bound})


def _range(text: str) -> tuple[datetime, datetime]:
    """The instants [start, end) a FHIR date of any precision covers, in the clinic's zone."""
    zone = timezone.get_current_timezone()
    try:
        if len(text) == 4:
            start = datetime(int(text), 1, 1, tzinfo=zone)
            return start, start.replace(year=start.year + 1)
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            start = datetime(year, month, 1, tzinfo=zone)
            return start, (start + timedelta(days=32)).replace(day=1)
        if len(text) == 10:
            start = datetime.combine(date.fromisoformat(text), time(), tzinfo=zone)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FhirError(400, "invalid", f"Not a FHIR date: {text}") from exc
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone)
    return moment, moment + timedelta(seconds=1)


def _is_datetime(model, path: str) -> bool:
    for step in path.split("__"):
        field_ = model._meta.get_field(step)
        if field_.is_relation:
            model = field_.related_model
    return isinstance(field_, models.DateTimeField)
