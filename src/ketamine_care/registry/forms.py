"""The cohort filter form (GET): parses the dashboard's query string into a CohortFilter."""

from __future__ import annotations

from django import forms

from ketamine_care.core.labels import INDICATION, PROTOCOL, label
from ketamine_care.patients.models import Sex
from ketamine_care.registry.cohorts import AGE_BANDS, CohortFilter


class CohortForm(forms.Form):
    protocol = forms.ChoiceField(required=False, label="Protocol")
    indication = forms.ChoiceField(required=False, label="Indication")
    start_from = forms.DateField(
        required=False, label="Course started from", widget=forms.DateInput(attrs={"type": "date"})
    )
    start_to = forms.DateField(
        required=False, label="Course started until", widget=forms.DateInput(attrs={"type": "date"})
    )
    age_band = forms.ChoiceField(
        required=False,
        label="Age at the start",
        choices=[("", "Any age")] + [(key, words) for key, words, *_ in AGE_BANDS],
    )
    sex = forms.ChoiceField(required=False, label="Sex", choices=[("", "Any")] + Sex.choices)

    def __init__(self, data=None, *, protocols=(), indications=()):
        super().__init__(data)
        self.fields["protocol"].choices = [("", "Any protocol")] + [
            (code, label(PROTOCOL, code)) for code in protocols
        ]
        self.fields["indication"].choices = [("", "Any indication")] + [
            (code, label(INDICATION, code)) for code in indications
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_from"), data.get("start_to")
        if start and end and end < start:
            self.add_error("start_to", "The end of the range is before its start.")
        return data

    def cohort(self) -> CohortFilter:
        """The filter (call after is_valid())."""
        data = self.cleaned_data
        return CohortFilter(
            protocol=data.get("protocol") or "",
            indication=data.get("indication") or "",
            start_from=data.get("start_from"),
            start_to=data.get("start_to"),
            age_band=data.get("age_band") or "",
            sex=data.get("sex") or "",
        )

    def described(self) -> list[str]:
        """The cohort the page shows, in the clinic's words: "Protocol: <its name>" for each
        field set (an invalid or unbound form shows the whole clinic: nothing)."""
        if not self.is_bound or not self.is_valid():
            return []
        words = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in ("", None):
                continue
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            words.append(f"{field.label}: {value}")
        return words
