"""Clinic-set values and clinic edits applied to a definition (pure; no Django).

A shipped definition lists in `clinic_must_set` the dotted paths no cited source gives a value
for (e.g. `dose.iv.default` for eating-disorders-research, `monitoring.min_observation_min`).
A clinic supplies each of them when it activates the protocol. Most paths name a field of the
definition and are written into it, then the whole definition is validated again; two name a
setting the schema has no field for (`schedule.blocks.frequency`, the days between visits the
planner uses, and `monitoring.vitals_cadence.interval`, minutes between recordings) and are
kept beside the definition in `clinic_values`.

Edits (a new draft of an active version) may change only values the definition marks
`editable` (UNCONFIRMED or INSTITUTIONAL defaults) or that the clinic set itself.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ketamine_care.protocols.definition import ProtocolDefinition
from ketamine_care.protocols.library import parse_definition


@dataclass(frozen=True)
class ValueSpec:
    kind: str  # number | integer | number_list | object | object_list
    nullable: bool = False  # null is an explicit "this clinic does not use it"
    in_definition: bool = True  # False: kept in clinic_values only
    label: str = ""


_SPECS: list[tuple[str, ValueSpec]] = [
    (r"dose\.\w+\.(default|allowed_min|allowed_max)", ValueSpec("number", label="mg/kg or mg")),
    (r"dose\.\w+\.titration_ladder", ValueSpec("number_list", label="ascending list")),
    (r"administration\.\w+\.infusion_duration_min", ValueSpec("integer", label="minutes")),
    (r"monitoring\.min_observation_min", ValueSpec("integer", label="minutes")),
    (
        r"monitoring\.discharge\.cadss_threshold",
        ValueSpec("number", nullable=True, label="CADSS total; empty = not used"),
    ),
    (
        r"monitoring\.vitals_cadence\.interval",
        ValueSpec("integer", in_definition=False, label="minutes between recordings"),
    ),
    (
        r"schedule\.blocks\.frequency",
        ValueSpec("integer", in_definition=False, label="days between visits"),
    ),
    (r"schedule\.blocks", ValueSpec("object_list", label="schedule blocks, JSON")),
    (
        r"outcome\.(response|remission)",
        ValueSpec("object", nullable=True, label="threshold, JSON; empty = not used"),
    ),
]


class ClinicValueError(ValueError):
    """`fields` maps each offending path to a message."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def spec_for(path: str) -> ValueSpec | None:
    return next((spec for pattern, spec in _SPECS if re.fullmatch(pattern, path)), None)


def _check_kind(spec: ValueSpec, value: Any) -> str | None:
    if value is None:
        return None if spec.nullable else "A value is required."
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec.kind == "number" and not (number and value > 0):
        return "Enter a number above 0."
    if spec.kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        return "Enter a whole number."
    if spec.kind == "integer" and value < 1:
        return "Enter a whole number of at least 1."
    if spec.kind == "number_list" and not (
        isinstance(value, list) and value and all(isinstance(v, int | float) for v in value)
    ):
        return "Enter a list of numbers."
    if spec.kind == "object" and not isinstance(value, dict):
        return "Enter a JSON object."
    if spec.kind == "object_list" and not (
        isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
    ):
        return "Enter a list of JSON objects."
    return None


def _child(node: Any, part: str) -> Any:
    """`node[part]` for a dict key or a list index; KeyError when there is none."""
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise KeyError(part)


def _set_path(data: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node: Any = data
    try:
        for part in parents:
            node = _child(node, part)
    except KeyError:
        raise KeyError(path) from None
    if isinstance(node, list) and leaf.isdigit() and int(leaf) < len(node):
        node[int(leaf)] = value
    elif isinstance(node, dict):
        node[leaf] = value
    else:
        raise KeyError(path)


def _validated(data: dict, paths: list[str]) -> ProtocolDefinition:
    try:
        return parse_definition(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            # The error may sit on a path, inside it, or on the object holding it (a range
            # check on `dose.iv` concerns `dose.iv.default`): name every path it concerns.
            related = [
                p
                for p in paths
                if where == p or where.startswith(p + ".") or p.startswith(where + ".")
            ]
            for path in related or ["definition"]:
                fields.setdefault(path, message)
        raise ClinicValueError(fields) from None


def apply_clinic_values(definition: dict, values: dict[str, Any]) -> tuple[dict, dict[str, Any]]:
    """Write the clinic's values into a copy of `definition` and validate the result.

    Every path in `clinic_must_set` is required (null only where the spec allows it); a path
    not in that list is refused. Returns (new definition, the values as stored).
    """
    must_set = list(definition.get("clinic_must_set", []))
    fields: dict[str, str] = {}
    for path in values:
        if path not in must_set:
            fields[path] = "This protocol does not ask the clinic for this value."
    for path in must_set:
        spec = spec_for(path) or ValueSpec("object", nullable=True)
        if path not in values:
            fields[path] = "Required: the clinic must set this before activating."
        elif problem := _check_kind(spec, values[path]):
            fields[path] = problem
    if fields:
        raise ClinicValueError(fields)
    data = copy.deepcopy(definition)
    for path in must_set:
        spec = spec_for(path) or ValueSpec("object", nullable=True)
        if spec.in_definition:
            _set_path(data, path, values[path])
    _validated(data, must_set)
    return data, {path: values[path] for path in must_set}


def _editable(data: dict, path: str, clinic_paths: list[str]) -> bool:
    """Whether the nearest node above `path` that says so is `editable`; a discharge
    criterion is editable when its own entry in `discharge.sources` is."""
    if path in clinic_paths or any(path.startswith(p + ".") for p in clinic_paths):
        return True
    node: Any = data
    flag = None
    *parents, leaf = path.split(".")
    for part in parents:
        try:
            node = _child(node, part)
        except KeyError:
            return False
        if isinstance(node, dict) and "editable" in node:
            flag = node["editable"]
    own = node.get("sources", {}).get(leaf) if isinstance(node, dict) else None
    if isinstance(own, dict) and "editable" in own:
        return bool(own["editable"])
    return bool(flag)


def apply_edits(definition: dict, edits: dict[str, Any], new_version: str) -> dict:
    """A copy of `definition` with `edits` (dotted path -> value) applied and validated."""
    fields: dict[str, str] = {}
    clinic_paths = list(definition.get("clinic_must_set", []))
    data = copy.deepcopy(definition)
    for path, value in edits.items():
        if not _editable(definition, path, clinic_paths):
            fields[path] = "Not editable: this value is sourced (label or trial), not a default."
            continue
        try:
            _set_path(data, path, value)
        except KeyError:
            fields[path] = "No such value in this protocol."
    if not edits:
        fields["edits"] = "Give at least one change."
    if fields:
        raise ClinicValueError(fields)
    data["version"] = new_version
    _validated(data, list(edits))
    return data


def apply_draft_edits(
    definition: dict, clinic_values: dict[str, Any], edits: dict[str, Any], new_version: str
) -> tuple[dict, dict[str, Any]]:
    """`apply_edits`, plus edits of the clinic-set values kept beside the definition (the days
    between visits, the minutes between recordings). Returns (definition, clinic values); every
    problem is reported at once and nothing is applied unless all of it is valid."""
    must_set = list(definition.get("clinic_must_set", []))
    beside = {
        path
        for path in edits
        if path in must_set and (spec := spec_for(path)) is not None and not spec.in_definition
    }
    fields: dict[str, str] = {}
    values = dict(clinic_values)
    for path in beside:
        spec = spec_for(path)
        if spec is not None and (problem := _check_kind(spec, edits[path])):
            fields[path] = problem
        values[path] = edits[path]
    rest = {path: value for path, value in edits.items() if path not in beside}
    data = copy.deepcopy(definition)
    data["version"] = new_version
    if rest or not edits:
        try:
            data = apply_edits(definition, rest, new_version)
        except ClinicValueError as exc:
            fields.update(exc.fields)
    if fields:
        raise ClinicValueError(fields)
    return data, values
