"""HTML forms for protocol activation and drafts; the services validate the values."""

from __future__ import annotations

import json

from django import forms

from ketamine_care.protocols.clinic_values import spec_for


def _field_name(path: str) -> str:
    return path.replace(".", "__")


class ActivateForm(forms.Form):
    """One field per `clinic_must_set` path; JSON-valued paths take JSON text."""

    def __init__(self, *args, must_set: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.paths = must_set
        for path in must_set:
            spec = spec_for(path)
            kind = spec.kind if spec else "object"
            label = f"{path} ({spec.label})" if spec and spec.label else path
            required = not (spec and spec.nullable)
            if kind == "integer":
                field = forms.IntegerField(label=label, required=required, min_value=1)
            elif kind == "number":
                field = forms.FloatField(label=label, required=required, min_value=0)
            else:
                field = forms.CharField(
                    label=label, required=required, widget=forms.Textarea(attrs={"rows": 3})
                )
            self.fields[_field_name(path)] = field

    def clean(self):
        cleaned = super().clean()
        for path in self.paths:
            name = _field_name(path)
            value = cleaned.get(name)
            if isinstance(value, str):
                try:
                    cleaned[name] = json.loads(value) if value.strip() else None
                except json.JSONDecodeError:
                    self.add_error(name, "Enter valid JSON.")
        return cleaned

    def clinic_values(self) -> dict:
        return {path: self.cleaned_data.get(_field_name(path)) for path in self.paths}

    def field_for(self, path: str) -> str:
        return _field_name(path)


class DraftForm(forms.Form):
    edits = forms.CharField(
        label="Changes (JSON: dotted path -> new value)",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='For example {"dose.iv.default": 0.75}. Only clinic-editable values change.',
    )
    note = forms.CharField(label="Why", required=False, max_length=2000)

    def clean_edits(self):
        try:
            value = json.loads(self.cleaned_data["edits"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError("Enter a JSON object.") from exc
        if not isinstance(value, dict) or not value:
            raise forms.ValidationError("Enter a JSON object with at least one change.")
        return value
