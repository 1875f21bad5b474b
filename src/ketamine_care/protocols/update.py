"""A clinic's protocol moved onto a newer shipped definition, keeping the clinic's own changes.

An activated version keeps the definition and rules it was activated with, so a correction
shipped later (a rule, an interval, a threshold) reaches a clinic only when its medical director
takes it up. The update is a draft like any other: published, it becomes the active version and
pins the rules shipped with it.

What the clinic changed is told apart from what the library changed by the version's *shipped
base*: the shipped definition with the clinic's values as it was taken up (the first
activation's definition, or the `shipped_base` an earlier update stored). A clinic-editable
value that differs between the base and the active version is the clinic's own change; it is
carried onto the newer definition when the same value (the same part of the protocol, the same
label) is there, and listed as not carried otherwise, never written to another item. A value
the library changed and the clinic did not takes the library's new value.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ketamine_care.protocols.clinic_values import (
    ClinicValueError,
    apply_clinic_values,
    apply_edits,
)
from ketamine_care.protocols.editable_fields import EditableField, editable_fields, words
from ketamine_care.protocols.editable_words import path_words
from ketamine_care.protocols.library import load_definition

# The parts of a definition, in words, for the list of what else the newer version changes.
SECTIONS = {
    "dose": "dose rules",
    "administration": "administration",
    "schedule": "schedule",
    "monitoring": "monitoring, alert thresholds and discharge",
    "screening": "screening rules",
    "outcome": "outcome measure",
    "measures": "measures",
    "surveillance": "long-term surveillance",
    "pre_session_checks": "pre-session checks",
}


@dataclass(frozen=True)
class CarriedChange:
    """A value the clinic changed: `field` as the active version has it; `base` is the value
    the clinic changed (None: not in its shipped base), `shipped_now` the newer definition's."""

    field: EditableField
    base: Any
    shipped_now: Any
    new_path: str  # where the value sits in the newer definition

    @property
    def conflict(self) -> bool:
        """The library changed the value too."""
        return self.base != self.shipped_now

    @property
    def text(self) -> str:
        f = self.field
        return f"{f.group}, {f.label.lower()}: {f.current_text}"

    @property
    def shipped_now_text(self) -> str:
        return words(self.shipped_now, self.field.unit)


@dataclass(frozen=True)
class UpdatePlan:
    """What taking up the newer shipped definition does to the active version."""

    shipped_version: str
    base_version: str
    carried: list[CarriedChange] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)  # in words
    shipped_changes: list[str] = field(default_factory=list)  # in words
    other_sections: list[str] = field(default_factory=list)  # in words
    missing_values: list[str] = field(default_factory=list)  # clinic_must_set paths
    kept_values: list[str] = field(default_factory=list)  # the clinic's values kept, in words
    # The newer definition with the clinic's values, and those values (path -> value); why a
    # value is missing or refused (path -> message), when one is.
    new_base: dict = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    value_errors: dict[str, str] = field(default_factory=dict)


def shipped_base(version, versions: dict | None = None) -> dict:
    """The shipped definition (with the clinic's values) `version`'s clinic changes were made
    on: the nearest stored `shipped_base`, else the first version's definition. `versions`
    (pk -> version), when given, holds the versions it is based on, read already."""
    current = version
    while True:
        if current.shipped_base is not None:
            return current.shipped_base
        if current.based_on_id is None:
            return current.definition
        known = versions.get(current.based_on_id) if versions is not None else None
        current = known if known is not None else current.based_on


def base_version(version, versions: dict | None = None) -> str:
    """The shipped definition's version number `version` rests on ("1.1.0")."""
    return _version_of(shipped_base(version, versions))


def _version_of(definition: dict) -> str:
    return str(definition.get("version", "")).split("+")[0]


def newer_shipped_version(version, versions: dict | None = None) -> str | None:
    """The library's version of the protocol when it is not the one `version` rests on."""
    shipped = load_definition(version.protocol_id).version
    return shipped if shipped != base_version(version, versions) else None


def _by_identity(definition: dict) -> dict[tuple, EditableField]:
    """The definition's clinic-editable values by what they are, not where they sit."""
    return {
        _identity(definition, f.path): f
        for f in editable_fields(definition, {}, {})
        if f.in_definition
    }


def _identity(definition: dict, path: str) -> tuple:
    """A value's path with each list item named by what identifies it (an alert rule's id, a
    rating's instrument and time point, a block's label), so that an item inserted or
    removed before it, or a changed line in an alert's wording, never names another value."""
    node: Any = definition
    named: list[Any] = []
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            named.append(_item_name(node, part))
        elif isinstance(node, dict):
            node = node.get(part)
            named.append(part)
        else:
            named.append(part)
    return tuple(named)


def _item_name(item: Any, index: str) -> Any:
    if not isinstance(item, dict):
        return index
    for key in ("rule", "id", "label", "purpose"):
        if item.get(key):
            return (key, item[key])
    if item.get("instrument"):
        return ("instrument", item["instrument"], item.get("time_point"))
    if item.get("measure"):
        return ("measure", item["measure"], item.get("comparison"))
    return index


def plan_update(version, given_values: dict[str, Any] | None = None) -> UpdatePlan | None:
    """What moving `version` onto the library's newer definition would do, or None when it
    already rests on the library's version. `given_values` supplies values the newer
    definition asks the clinic for that `version` does not hold."""
    shipped_definition = load_definition(version.protocol_id)
    base = shipped_base(version)
    if shipped_definition.version == _version_of(base):
        return None
    shipped = shipped_definition.model_dump(mode="json")
    plan = UpdatePlan(shipped_version=shipped_definition.version, base_version=_version_of(base))
    plan.values.update(_values_for(shipped, version.clinic_values, given_values or {}, plan))
    new_base = _new_base(shipped, plan)
    plan.new_base.update(new_base)
    base_fields = _by_identity(base)
    new_fields = _by_identity(new_base)
    for key, mine in _by_identity(version.definition).items():
        before = base_fields.get(key)
        if before is not None and before.current == mine.current:
            continue
        now = new_fields.get(key)
        if now is None:
            plan.not_carried.append(f"{mine.group}, {mine.label.lower()}: {mine.current_text}")
            continue
        shipped_before = None if before is None else before.current
        plan.carried.append(CarriedChange(mine, shipped_before, now.current, now.path))
    plan.shipped_changes.extend(_library_changes(base_fields, new_fields))
    plan.other_sections.extend(
        words_ for key, words_ in SECTIONS.items() if base.get(key) != new_base.get(key)
    )
    return plan


def _library_changes(
    base_fields: dict[tuple, EditableField], new_fields: dict[tuple, EditableField]
) -> list[str]:
    changes = []
    for key, now in new_fields.items():
        before = base_fields.get(key)
        if before is None:
            line = f"{now.group}: new in this version"
            changes.extend([line] if line not in changes else [])
        elif before.current != now.current:
            changes.append(
                f"{now.group}, {now.label.lower()}: {before.current_text} → {now.current_text}"
            )
    for key, gone in base_fields.items():
        line = f"{gone.group}: no longer in this version"
        if key not in new_fields and line not in changes:
            changes.append(line)
    return changes


def _values_for(
    shipped: dict, held: dict[str, Any], given: dict[str, Any], plan: UpdatePlan
) -> dict[str, Any]:
    """The clinic's values for the newer definition's `clinic_must_set` paths: the ones given
    now (the page asks only for those it must), else the ones the clinic set; the paths with
    neither are missing."""
    must_set = shipped.get("clinic_must_set", [])
    values = {}
    for path in must_set:
        if path in given:
            values[path] = given[path]
        elif path in held:
            values[path] = held[path]
            plan.kept_values.append(f"{path_words(path)}: {words(held[path])}")
        else:
            plan.missing_values.append(path)
    for path, value in held.items():
        if path not in must_set:
            plan.not_carried.append(f"{path_words(path)}: {words(value)}")
    return values


def _new_base(shipped: dict, plan: UpdatePlan) -> dict:
    """The newer definition with the clinic's values; while a value is missing, or one the
    clinic set is one the newer definition no longer accepts (asked again), the shipped
    definition as it is: the plan keeps why, and making the draft refuses it."""
    try:
        return apply_clinic_values(shipped, plan.values)[0]
    except ClinicValueError as exc:
        plan.value_errors.update(exc.fields)
        plan.missing_values.extend(p for p in exc.fields if p not in plan.missing_values)
        return copy.deepcopy(shipped)


def updated_definition(
    plan: UpdatePlan, keep: set[str], number: int
) -> tuple[dict, dict[str, Any], dict]:
    """(definition, clinic values, shipped base) of the update draft: the plan's newer
    definition with the clinic's values, then the clinic's changes named in `keep` carried
    onto it. Raises `ClinicValueError` for a missing or invalid value, naming its path."""
    if plan.value_errors:
        raise ClinicValueError(dict(plan.value_errors))
    base = plan.new_base
    edits = {c.new_path: c.field.current for c in plan.carried if c.field.path in keep}
    if not edits:
        return base, dict(plan.values), base
    definition = apply_edits(base, edits, f"{plan.shipped_version}+clinic.{number}")
    return definition, dict(plan.values), base
