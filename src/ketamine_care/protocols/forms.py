"""HTML forms for protocol activation and drafts: one field per value, never JSON typing.
The services validate the whole definition; these forms parse each value and its range."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from ketamine_care.protocols.clinic_values import spec_for
from ketamine_care.protocols.editable_fields import EditableField, words
from ketamine_care.protocols.editable_words import path_words as _words

# What a clinic-set value that no cited source gives is recorded with (activation).
CLINIC_SET_SOURCE = "Set by the clinic when it activated the protocol [@ketamine-care-defaults]"
THRESHOLD_KINDS = [
    ("", "Not used"),
    ("percent_reduction", "Improvement from baseline of at least (%)"),
    ("score", "Total score at or below"),
]


def field_name(path: str) -> str:
    return path.replace(".", "__")


class NumberListField(forms.CharField):
    """Numbers separated by commas or spaces ("0.5, 0.75, 1"); empty is an empty list."""

    def to_python(self, value: Any) -> list[float]:
        text = super().to_python(value) or ""
        parts = [p for p in re.split(r"[,\s;]+", text.strip()) if p]
        try:
            return [float(p) for p in parts]
        except ValueError:
            raise forms.ValidationError("Enter numbers separated by commas.") from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(f"{v:g}" for v in value)
        return value


def _numeric(spec: EditableField) -> forms.Field:
    cls = forms.IntegerField if spec.kind == "integer" else forms.FloatField
    kwargs: dict[str, Any] = {"required": not spec.nullable}
    if spec.maximum is not None:
        kwargs["max_value"] = spec.maximum
    if spec.minimum is not None and not spec.min_exclusive:
        kwargs["min_value"] = spec.minimum
    return cls(**kwargs)


def make_field(spec: EditableField) -> forms.Field:
    if spec.kind == "boolean":
        field: forms.Field = forms.BooleanField(required=False)
    elif spec.kind == "number_list":
        field = NumberListField(required=False)
    else:
        field = _numeric(spec)
    field.label = spec.label
    field.help_text = f"Allowed: {spec.range_text}."
    return field


def _initial(value: Any) -> Any:
    """A float as the clinic writes it ("1", not "1.0")."""
    return f"{value:g}" if isinstance(value, float) else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return [float(x) for x in a or []] == [float(x) for x in b or []]
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if a is None or b is None:
        return a is b
    return float(a) == float(b)


class ProtocolValuesForm(forms.Form):
    """Every clinic-editable value of an active version; `edits()` returns the changed ones."""

    note = forms.CharField(label="Why", required=False, max_length=2000)

    def __init__(self, *args, specs: list[EditableField], **kwargs) -> None:
        initial = {field_name(s.path): _initial(s.current) for s in specs}
        super().__init__(*args, initial=initial, **kwargs)
        self.specs = specs
        for spec in specs:
            name = field_name(spec.path)
            self.fields[name] = make_field(spec)
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_help"

    def clean(self):
        cleaned = super().clean()
        for spec in self.specs:
            value = cleaned.get(field_name(spec.path))
            if spec.min_exclusive and isinstance(value, int | float) and value <= spec.minimum:
                self.add_error(field_name(spec.path), f"Enter a number above {spec.minimum:g}.")
        if not self.errors and not self.edits():
            raise forms.ValidationError("Change at least one value.")
        return cleaned

    def edits(self) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for spec in self.specs:
            name = field_name(spec.path)
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if not _same(value, spec.current):
                changed[spec.path] = value
        return changed

    def field_for(self, path: str) -> str:
        return field_name(path)

    def label_for(self, path: str) -> str:
        spec = next((s for s in self.specs if s.path == path), None)
        return f"{spec.group}, {spec.label.lower()}" if spec else "This protocol"

    def groups(self) -> list[tuple[str, list[tuple[EditableField, forms.BoundField]]]]:
        out: dict[str, list] = {}
        for spec in self.specs:
            out.setdefault(spec.group, []).append((spec, self[field_name(spec.path)]))
        return list(out.items())


class ActivateForm(forms.Form):
    """One field per `clinic_must_set` path. A threshold is a kind and a number, a schedule
    block its visits and their frequency: the clinic never types JSON."""

    def __init__(
        self, *args, must_set: list[str], dose_units: dict[str, str] | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.paths = must_set
        for path in must_set:
            spec = spec_for(path)
            kind = spec.kind if spec else "object"
            name = field_name(path)
            required = not (spec and spec.nullable)
            route = path.split(".")[1] if path.startswith("dose.") else ""
            unit = (dose_units or {}).get(route) or (spec.label if spec else "")
            unit = "points" if path.endswith("cadss_threshold") else unit
            label = _words(path) + (f" ({unit})" if kind in ("integer", "number") else "")
            if kind == "integer":
                self.fields[name] = forms.IntegerField(label=label, min_value=1)
                self.fields[name].help_text = "Allowed: a whole number, 1 or more."
            elif kind == "number":
                self.fields[name] = forms.FloatField(label=label, required=required, min_value=0)
                self.fields[name].help_text = "Allowed: above 0" + (
                    "; empty = not used." if not required else "."
                )
            elif kind == "number_list":
                self.fields[name] = NumberListField(
                    label=f"{_words(path)} ({unit})", required=required
                )
                self.fields[name].help_text = "Numbers separated by commas, ascending."
            elif kind == "object_list":
                self._block_fields(name)
            else:
                self._threshold_fields(name, _words(path))
            if name in self.fields:
                self.fields[name].help_text += " Shipped: not set (no source gives this value)."

    def _threshold_fields(self, name: str, label: str) -> None:
        self.fields[f"{name}__kind"] = forms.ChoiceField(
            label=label, choices=THRESHOLD_KINDS, required=False
        )
        self.fields[f"{name}__value"] = forms.FloatField(
            label=f"{label}: value", required=False, min_value=0
        )

    def _block_fields(self, name: str) -> None:
        self.fields[f"{name}__sessions"] = forms.IntegerField(
            label="Course: number of visits", min_value=1
        )
        self.fields[f"{name}__sessions_per_week"] = forms.IntegerField(
            label="Visits per week", min_value=1, max_value=3, required=False
        )
        self.fields[f"{name}__every_weeks"] = forms.IntegerField(
            label="Or one visit every (weeks)", min_value=1, required=False
        )
        self.fields[f"{name}__min_gap_days"] = forms.IntegerField(
            label="Shortest gap between visits (days)", min_value=1, required=False
        )

    def clean(self):
        cleaned = super().clean()
        for path in self.paths:
            name = field_name(path)
            if f"{name}__kind" in self.fields:
                kind, value = cleaned.get(f"{name}__kind"), cleaned.get(f"{name}__value")
                if kind and value is None:
                    self.add_error(f"{name}__value", "Enter the value, or choose Not used.")
            if f"{name}__sessions" in self.fields:
                per_week = cleaned.get(f"{name}__sessions_per_week")
                every = cleaned.get(f"{name}__every_weeks")
                if (per_week is None) == (every is None):
                    self.add_error(
                        f"{name}__sessions_per_week",
                        "Give visits per week or one visit every so many weeks (one of them).",
                    )
        return cleaned

    def clinic_values(self) -> dict:
        return {path: self._value(path) for path in self.paths}

    def _value(self, path: str) -> Any:
        name, data = field_name(path), self.cleaned_data
        if f"{name}__kind" in self.fields:
            kind = data.get(f"{name}__kind")
            if not kind:
                return None
            comparison = "ge" if kind == "percent_reduction" else "le"
            value = data[f"{name}__value"]
            return {"kind": kind, "comparison": comparison, "value": value} | _clinic_set()
        if f"{name}__sessions" in self.fields:
            block = {"phase": "induction", "label": "Clinic series"}
            for key in ("sessions", "sessions_per_week", "every_weeks", "min_gap_days"):
                if data.get(f"{name}__{key}") is not None:
                    block[key] = data[f"{name}__{key}"]
            return [block | _clinic_set()]
        return data.get(name)

    def changes(self) -> list[str]:
        """The values in words, for the confirmation step ("Outcome: response: not set -> ...")."""
        values = self.clinic_values().items()
        return [f"{_words(path)}: not set → {_value_words(v)}" for path, v in values]

    def label_for(self, path: str) -> str:
        return _words(path)

    def field_for(self, path: str) -> str:
        name = field_name(path)
        return next((n for n in self.fields if n == name or n.startswith(name + "__")), name)


def _value_words(value: Any) -> str:
    if isinstance(value, dict):
        percent = value["kind"] == "percent_reduction"
        kind = "improvement of at least" if percent else "score at or below"
        unit = " %" if percent else ""
        return f"{kind} {value['value']:g}{unit}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        block = value[0]
        often = (
            f"{block['sessions_per_week']} a week"
            if "sessions_per_week" in block
            else f"one every {block.get('every_weeks')} weeks"
        )
        return f"{block['sessions']} visits, {often}"
    return words(value)


def _clinic_set() -> dict:
    return {"source": CLINIC_SET_SOURCE, "evidence": "INSTITUTIONAL", "editable": True}


class UpdateForm(forms.Form):
    """Which of the clinic's own changes go onto the newer shipped definition (each kept
    unless unticked), and a note for the versions table."""

    note = forms.CharField(
        label="Note for the versions table",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, carried, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.carried = list(carried)
        for index, change in enumerate(self.carried):
            self.fields[f"keep_{index}"] = forms.BooleanField(
                label=f"Keep this clinic's value: {change.text}",
                required=False,
                initial=True,
            )

    def rows(self):
        """(carried change, its tick) for the template."""
        return [(c, self[f"keep_{i}"]) for i, c in enumerate(self.carried)]

    def kept(self) -> list[str]:
        return [c.field.path for i, c in enumerate(self.carried) if self.cleaned_data[f"keep_{i}"]]
