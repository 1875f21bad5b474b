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
    confirm_weight = forms.BooleanField(
        label="I have checked the weight and height on the record",
        required=False,
        help_text="Needed when an adult weight or height is outside the plausible range.",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        help_text="Needed for a dose below the protocol's usual floor (tolerability) or above "
        "the clinic's ceiling.",
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
    horizon_weeks = forms.IntegerField(
        label="Plan ahead (weeks)", initial=26, min_value=1, max_value=104
    )
    maintenance_every = forms.IntegerField(
        label="Maintenance every",
        required=False,
        min_value=1,
        max_value=52,
        help_text="Leave empty to follow the protocol's maintenance schedule.",
    )
    maintenance_unit = forms.ChoiceField(
        label="Interval unit", choices=[("weeks", "weeks"), ("days", "days")], initial="weeks"
    )
    maintenance_start = forms.DateField(
        label="Maintenance from",
        required=False,
        widget=DATE_INPUT,
        help_text="Empty: one interval after the last induction visit.",
    )
    maintenance_until = forms.DateField(
        label="Maintenance until",
        required=False,
        widget=DATE_INPUT,
        help_text="Empty: open-ended (to the end of the planning horizon).",
    )
    step_down_weeks = forms.CharField(
        label="Step down to (weeks)",
        required=False,
        max_length=40,
        help_text="E.g. 2,4: widen the interval while the response holds.",
    )
    visits_per_step = forms.IntegerField(
        label="Visits at each step", required=False, min_value=1, max_value=52
    )

    def maintenance(self) -> dict | None:
        """The maintenance rhythm as the service takes it, or None for the protocol's own."""
        data = self.cleaned_data
        if not data.get("maintenance_every"):
            return None
        steps = [p.strip() for p in (data.get("step_down_weeks") or "").split(",") if p.strip()]
        if not all(p.isdigit() for p in steps):
            self.add_error("step_down_weeks", "Give whole weeks separated by commas, e.g. 2,4.")
            return None
        return {
            "every": data["maintenance_every"],
            "unit": data["maintenance_unit"],
            "start": data.get("maintenance_start"),
            "until": data.get("maintenance_until"),
            "step_down_weeks": [int(p) for p in steps],
            "visits_per_step": data.get("visits_per_step"),
        }

    def __init__(self, *args, protocols, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [(v.protocol_id, v.parsed().title) for v in protocols]


class MoveForm(forms.Form):
    """A new date for a visit. A day the clinic does not open (the plan's clinic days) is
    refused until the user confirms it: the move is allowed, but it must not go unnoticed."""

    date = forms.DateField(label="New date", widget=DATE_INPUT)
    reason = forms.CharField(label="Reason", required=False, max_length=2000)
    confirm_off_day = forms.BooleanField(
        label="Move it to this day anyway (not a clinic day)", required=False
    )

    def __init__(self, *args, clinic_days: frozenset[int] = frozenset(range(7)), **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic_days = clinic_days

    off_day = False  # set by clean(): the date chosen is not one of the clinic days

    def clean(self):
        data = super().clean()
        day = data.get("date")
        self.off_day = day is not None and day.weekday() not in self.clinic_days
        if self.off_day and not data.get("confirm_off_day"):
            names = ", ".join(DAY_NAMES[d].capitalize() for d in sorted(self.clinic_days))
            self.add_error(
                "date",
                f"{day:%A} is not one of the plan's clinic days ({names}). Choose "
                "another day, or tick the box below to move it anyway.",
            )
        return data


class ConfirmConditionalForm(forms.Form):
    note = forms.CharField(
        label="Review finding",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. MADRS fell 55 % after the series: responder, maintenance confirmed.",
    )
