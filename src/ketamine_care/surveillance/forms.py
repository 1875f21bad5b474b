"""Forms for each surveillance check, entered from the chart. Each names its bad fields; a
check's `service_arguments()` is what the service takes."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from ketamine_care.instruments.definition import load_definition
from ketamine_care.surveillance import labs
from ketamine_care.surveillance.models import DrugScreenResult
from ketamine_care.surveillance.services import COGNITIVE_SCREENS, LIMIT_REQUIRED, LabValue

YES_NO = [("", "Choose…"), ("no", "No"), ("yes", "Yes")]


def yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda value: value == "yes", empty_value=None
    )


class CheckForm(forms.Form):
    done_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"done_on": data["done_on"], "note": data.get("note", "")}


class BladderReviewForm(CheckForm):
    """The O'Leary-Sant symptom index, item scores as marked on the form, and haematuria."""

    haematuria = yes_no("Blood in the urine since the last review")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        definition = load_definition("icsi")
        for item in definition.items:
            low, high = item.value_range.min, item.value_range.max
            self.fields[item.id] = forms.IntegerField(
                label=f"ICSI: {item.name}",
                min_value=low,
                max_value=high,
                help_text=f"The item's score on the questionnaire, {low} to {high}.",
            )
        self.item_ids = definition.item_ids
        self.order_fields(["done_on", *self.item_ids, "haematuria", "note"])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        answers = {item_id: data[item_id] for item_id in self.item_ids}
        return {**super().service_arguments(), "answers": answers, "haematuria": data["haematuria"]}


class LiverTestsForm(CheckForm):
    """One value, unit and laboratory upper limit per liver test; empty = not measured. A
    value needs its upper limit (fail safe: a value without one cannot be read as normal)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].label = "Collected on"
        for test in labs.LIVER_TESTS:
            self.fields[test.key] = forms.DecimalField(
                label=f"{test.short} (LOINC {test.loinc})",
                required=False,
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=2,
            )
            self.fields[f"{test.key}_unit"] = forms.ChoiceField(
                label=f"{test.short} unit", choices=[(u, u) for u in test.units]
            )
            self.fields[f"{test.key}_upper_limit"] = forms.DecimalField(
                label=f"{test.short}: the laboratory's upper limit",
                required=False,
                help_text="Required with a result, as printed on the laboratory's report.",
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=2,
            )
        self.order_fields(["done_on", *self.fields, "note"])

    def clean(self):
        data = super().clean()
        if self.is_bound and not any(data.get(t.key) is not None for t in labs.LIVER_TESTS):
            self.add_error(labs.LIVER_TESTS[0].key, "Enter at least one result.")
        for test in labs.LIVER_TESTS:
            limit = f"{test.key}_upper_limit"
            if (
                data.get(test.key) is not None
                and data.get(limit) is None
                and limit not in self.errors
            ):
                self.add_error(limit, LIMIT_REQUIRED.format(test=test.short))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        values = [
            LabValue(
                test=t.key,
                value=data[t.key],
                unit=data[f"{t.key}_unit"],
                upper_limit=data.get(f"{t.key}_upper_limit"),
            )
            for t in labs.LIVER_TESTS
            if data.get(t.key) is not None
        ]
        return {**super().service_arguments(), "values": values}


class CognitiveScreenForm(CheckForm):
    instrument = forms.ChoiceField(
        label="Screen", choices=[(code, value[0]) for code, value in COGNITIVE_SCREENS.items()]
    )
    total = forms.IntegerField(
        label="Total score", min_value=0, help_text="The total only: the items stay on the form."
    )

    def clean(self):
        data = super().clean()
        code, total = data.get("instrument"), data.get("total")
        if code in COGNITIVE_SCREENS and total is not None and total > COGNITIVE_SCREENS[code][1]:
            self.add_error("total", f"A whole number from 0 to {COGNITIVE_SCREENS[code][1]}.")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_arguments(),
            "instrument": data["instrument"],
            "total": data["total"],
        }


class MisuseReviewForm(CheckForm):
    early_requests = yes_no("Early requests for a dose")
    dose_escalation = yes_no("Asking for a higher dose, or a dose that keeps rising")
    craving = yes_no("Craving for ketamine between sessions")

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        signals = {k: data[k] for k in ("early_requests", "dose_escalation", "craving")}
        return {**super().service_arguments(), **signals}


class DrugScreenForm(CheckForm):
    result = forms.ChoiceField(label="Result", choices=DrugScreenResult.choices)
    detail = forms.CharField(
        label="Substance found", required=False, max_length=200, help_text="When positive."
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == DrugScreenResult.POSITIVE and not data.get("detail", "").strip():
            self.add_error("detail", "Name the substance found.")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {**super().service_arguments(), "result": data["result"], "detail": data["detail"]}


class ExposureReviewForm(CheckForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].label = "What was decided"


FORMS = {
    "bladder_review": BladderReviewForm,
    "liver_tests": LiverTestsForm,
    "cognitive_screen": CognitiveScreenForm,
    "misuse_review": MisuseReviewForm,
    "urine_drug_screen": DrugScreenForm,
    "exposure_review": ExposureReviewForm,
}
