"""HTML forms for the dose calculator and treatment plans; services apply the rules."""

from __future__ import annotations

from django import forms

from ketamine_care.dosing.planning import DAY_NAMES

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DoseForm(forms.Form):
    protocol = forms.ChoiceField(label="Protocol")
    weight_basis = forms.ChoiceField(
        label="Weight basis",
        required=False,
        choices=[
            ("", "Not chosen"),
            ("actual", "Actual"),
            ("ideal", "Ideal (Devine)"),
            ("adjusted", "Adjusted"),
        ],
        help_text="Required at BMI 30 or more: there is no silent default.",
    )
    step = forms.IntegerField(label="Titration step", required=False, min_value=1)
    mg_per_kg = forms.FloatField(label="Dose (mg/kg)", required=False, min_value=0)
    dose_mg = forms.FloatField(label="Dose (mg)", required=False, min_value=0)
    concentration_mg_per_ml = forms.FloatField(
        label="Concentration (mg/mL)", required=False, min_value=0
    )

    def __init__(self, *args, protocols, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [(v.protocol_id, v.parsed().title) for v in protocols]

    def calculator_args(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("protocol")
        return {k: v for k, v in data.items() if v not in (None, "")}


class PlanForm(forms.Form):
    protocol = forms.ChoiceField(label="Protocol")
    start_date = forms.DateField(label="First visit", widget=DATE_INPUT)
    clinic_days = forms.MultipleChoiceField(
        label="Clinic days",
        choices=[(d, d.capitalize()) for d in DAY_NAMES],
        initial=list(DAY_NAMES[:5]),
        widget=forms.CheckboxSelectMultiple,
    )
    horizon_weeks = forms.IntegerField(label="Plan ahead", initial=26, min_value=1, max_value=104)

    def __init__(self, *args, protocols, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [(v.protocol_id, v.parsed().title) for v in protocols]


class MoveForm(forms.Form):
    date = forms.DateField(label="New date", widget=DATE_INPUT)
    reason = forms.CharField(label="Reason", required=False, max_length=2000)
