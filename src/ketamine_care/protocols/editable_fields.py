"""The clinic-editable values of a definition, as a catalogue of form fields (pure; no Django).

The medical director edits a protocol through one field per value, never by typing JSON.
A value is editable when the node holding it (or its nearest ancestor that says so) carries
`editable: true`, when the clinic set it at activation (`clinic_must_set`), or, for the
discharge criteria, when its entry in `discharge.sources` is editable. Each field knows its
unit, the range the schema allows, its source and evidence, the shipped value and the
current one; `describe_changes` turns edits into "field: shipped/current -> new" rows.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel

from ketamine_care.protocols.clinic_values import spec_for
from ketamine_care.protocols.definition import ProtocolDefinition, ThresholdCondition
from ketamine_care.protocols.definition_monitoring import MEASURE_WORDS
from ketamine_care.protocols.editable_words import FIELD_WORDS, GROUPS
from ketamine_care.protocols.library import parse_definition

_SKIP = {"source", "evidence", "editable", "note", "schema_version", "version"}

_UNIT_SUFFIXES = (
    ("_percent", "%"),
    ("_mg", "mg"),
    ("_min", "min"),
    ("_days", "days"),
    ("_kg", "mg/kg"),
    ("_weeks", "weeks"),
)


@dataclass(frozen=True)
class EditableField:
    path: str  # dotted; list items by index ("monitoring.alert_thresholds.3.sustained_min")
    group: str  # which part of the protocol, in words
    label: str
    unit: str
    kind: str  # number | integer | number_list | boolean
    nullable: bool
    minimum: float | None
    maximum: float | None
    min_exclusive: bool
    current: Any
    shipped: Any
    source: str
    evidence: str
    in_definition: bool = True

    @property
    def shipped_text(self) -> str:
        return words(self.shipped, self.unit)

    @property
    def current_text(self) -> str:
        return words(self.current, self.unit)

    @property
    def range_text(self) -> str:
        if self.kind == "boolean":
            return "yes or no"
        low = self.minimum
        if low is not None and self.maximum is not None:
            text = f"{'above ' if self.min_exclusive else ''}{low:g} to {self.maximum:g}"
        elif low is not None:
            text = f"above {low:g}" if self.min_exclusive else f"{low:g} or more"
        elif self.maximum is not None:
            text = f"up to {self.maximum:g}"
        else:
            text = "any number"
        return text + ("; empty = not used" if self.nullable else "")


@dataclass(frozen=True)
class Change:
    field: EditableField
    new: Any

    @property
    def text(self) -> str:
        f = self.field
        before = words(f.current, f.unit)
        if f.shipped != f.current:
            before = f"shipped {words(f.shipped, f.unit)}, current {before}"
        return f"{f.group}, {f.label.lower()}: {before} → {words(self.new, f.unit)}"


def words(value: Any, unit: str = "") -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "none"
        return ", ".join(words(v) for v in value) + (f" {unit}" if unit else "")
    if isinstance(value, int | float):
        return f"{value:g}" + (f" {unit}" if unit else "")
    return str(value)


def _kind(annotation: Any) -> tuple[str | None, bool]:
    """(kind, nullable) of a field annotation; kind None for values that are not edited here."""
    args = typing.get_args(annotation)
    nullable = type(None) in args
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            return None, nullable
        annotation = rest[0]
    if annotation is bool:
        return "boolean", nullable
    if annotation is int:
        return "integer", nullable
    if annotation is float:
        return "number", nullable
    if typing.get_origin(annotation) is list and typing.get_args(annotation)[0] in (int, float):
        return "number_list", nullable
    return None, nullable


def _bounds(metadata: list) -> tuple[float | None, float | None, bool]:
    low, high, exclusive = None, None, False
    for item in metadata:
        if isinstance(item, annotated_types.Gt):
            low, exclusive = float(item.gt), True
        elif isinstance(item, annotated_types.Ge):
            low = float(item.ge)
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            high = float(item.lt)
    return low, high, exclusive


def _unit(name: str, node: BaseModel, basis_unit: str) -> str:
    if name in ("default", "allowed_min", "allowed_max", "titration_ladder", "dose_sequence"):
        return basis_unit
    if name == "dose_options":
        return basis_unit
    if name == "bp_at_min":
        return "min"
    if name.startswith(("bp_", "safe_bp", "sbp_")):
        return "mmHg"
    if name.startswith(("hr_", "rr_")):
        return "/min"
    if name == "value" and hasattr(node, "kind"):
        return "%" if node.kind == "percent_reduction" else "points"
    if name in ("moaas_required", "recovery_score_pass", "cadss_threshold", "minutes"):
        return "min" if name == "minutes" else "points"
    if name == "weeks":
        return "weeks"
    if name == "hypoxia_spo2_below":
        return "%"
    if name == "mg" or name.startswith("mg_last_"):
        return "mg"
    if name.startswith("sessions_last_"):
        return "sessions"
    return next((unit for suffix, unit in _UNIT_SUFFIXES if name.endswith(suffix)), "")


class _Walker:
    def __init__(self, definition: ProtocolDefinition, shipped: dict, must_set: list[str]):
        self.definition = definition
        self.shipped = shipped
        self.must_set = must_set
        self.fields: list[EditableField] = []

    def shipped_value(self, path: str) -> Any:
        node: Any = self.shipped
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def walk(self, node: BaseModel, path: str, group: str, flag: bool, prov: Any) -> None:
        if "editable" in type(node).model_fields:
            flag, prov = bool(node.editable), node
        if isinstance(node, ThresholdCondition):
            return self._condition(node, path, group, flag, prov)
        sources = getattr(node, "sources", None) if path.endswith("discharge") else None
        for name, info in type(node).model_fields.items():
            if name in _SKIP:
                continue
            value, where = getattr(node, name), f"{path}.{name}".lstrip(".")
            kind, nullable = _kind(info.annotation)
            if kind is not None:
                own = (
                    sources.get(name) if sources else getattr(node, _OWN_SOURCE.get(name, ""), None)
                )
                editable = (own.editable if own else flag) or where in self.must_set
                if name == "max_single_dose_mg" and own is None:
                    editable = False  # a maximum needs its own source (DoseRule)
                if name == "allowed_fixed_doses_mg" and getattr(node, "basis", "") != "fixed_mg":
                    editable = False  # fixed doses mean nothing for a mg/kg rule
                if editable:
                    self._add(node, name, where, group, kind, nullable, info, own or prov)
                continue
            self._descend(value, where, GROUPS.get(name, group), flag, prov)

    def _descend(self, value: Any, where: str, group: str, flag: bool, prov: Any) -> None:
        if isinstance(value, BaseModel):
            self.walk(value, where, group, flag, prov)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    self.walk(item, f"{where}.{i}", _item_group(item, group, i), flag, prov)
        elif isinstance(value, dict) and not where.endswith("sources"):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    self.walk(item, f"{where}.{key}", f"{group} ({key.upper()})", flag, prov)

    def _condition(self, node, path, group, flag, prov) -> None:
        # A line of an editable alert rule ("systolic above 140"); a set of MOAA/S scores
        # ("0 or 1") is not a number and stays as shipped.
        if flag and not isinstance(node.value, list):
            name, unit = MEASURE_WORDS[node.measure]
            self.fields.append(
                EditableField(
                    path=f"{path}.value",
                    group=group,
                    label=f"{name[0].upper()}{name[1:]} line",
                    unit=unit,
                    kind="number",
                    nullable=False,
                    minimum=0.0,
                    maximum=None,
                    min_exclusive=True,
                    current=node.value,
                    shipped=self.shipped_value(f"{path}.value"),
                    source=prov.source,
                    evidence=str(prov.evidence),
                )
            )

    def _add(self, node, name, where, group, kind, nullable, info, prov) -> None:
        low, high, exclusive = _bounds(info.metadata)
        basis = getattr(node, "basis", None)
        if basis is None and where.startswith("dose."):
            basis = self.definition.dose[where.split(".")[1]].basis
        basis = basis or self.definition.dose_rule().basis
        basis_unit = "mg/kg" if basis == "mg_per_kg" else "mg"
        if name in ("default", "titration_ladder") and getattr(node, "basis", None):
            low = node.allowed_min if node.allowed_min is not None else low
            high, exclusive = node.allowed_max, exclusive and node.allowed_min is None
        spec = spec_for(where)
        prov = prov or _CLINIC_SET
        self.fields.append(
            EditableField(
                path=where,
                group=group,
                label=FIELD_WORDS.get(name, name.replace("_", " ").capitalize()),
                unit=_unit(name, node, basis_unit),
                kind=kind,
                nullable=nullable and (spec is None or spec.nullable),
                minimum=low,
                maximum=high,
                min_exclusive=exclusive,
                current=getattr(node, name),
                shipped=self.shipped_value(where),
                source=prov.source,
                evidence=str(prov.evidence),
            )
        )


# Values that carry their own provenance beside them (DoseRule, ScheduleBlock).
_OWN_SOURCE = {"max_single_dose_mg": "max_single_dose_source", "min_gap_days": "min_gap_source"}


@dataclass(frozen=True)
class _Provenance:
    source: str
    evidence: str


_CLINIC_SET = _Provenance(
    "No source gives this value; the clinic sets it [@ketamine-care-defaults]", "INSTITUTIONAL"
)


def _item_group(item: BaseModel, group: str, index: int) -> str:
    if isinstance(item, ThresholdCondition):
        return group
    if hasattr(item, "purpose"):
        return f"Review: {item.purpose}"
    if hasattr(item, "when_text"):
        return f"Alert: {item.when_text}"
    if hasattr(item, "instrument") and hasattr(item, "time_point"):
        name = item.instrument.upper().replace("_", " ")
        return f"{name} at {item.time_point.replace('_', ' ')}"
    label = getattr(item, "label", None)
    return f"{group}: {label}" if label else f"{group} {index + 1}"


def editable_fields(
    definition: dict, shipped: dict, clinic_values: dict | None = None
) -> list[EditableField]:
    """Every clinic-editable value of `definition`, with its shipped counterpart."""
    parsed = parse_definition(definition)
    walker = _Walker(parsed, shipped, list(parsed.clinic_must_set))
    walker.walk(parsed, "", "Protocol", False, None)
    for path, value in (clinic_values or {}).items():
        spec = spec_for(path)
        if spec is None or spec.in_definition:
            continue
        walker.fields.append(
            EditableField(
                path=path,
                group="Set by the clinic",
                label=FIELD_WORDS.get(path.rsplit(".", 1)[-1], path),
                unit="days" if path.endswith("frequency") else "min",
                kind=spec.kind,
                nullable=spec.nullable,
                minimum=1.0,
                maximum=None,
                min_exclusive=False,
                current=value,
                shipped=None,
                source=_CLINIC_SET.source,
                evidence=_CLINIC_SET.evidence,
                in_definition=False,
            )
        )
    return walker.fields


def describe_changes(fields: list[EditableField], edits: dict[str, Any]) -> list[Change]:
    by_path = {f.path: f for f in fields}
    return [Change(by_path[path], value) for path, value in edits.items() if path in by_path]
