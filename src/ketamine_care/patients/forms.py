"""HTML forms. They parse input into typed values (text stripped, numbers as Decimal, dates as
date); the services apply the domain rules and report errors by field."""

from __future__ import annotations

import re

from django import forms

from ketamine_care.patients.models import DiagnosisStatus, DrugClass, Sex

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# A telephone number as people write it: digits with spaces, dots, dashes, brackets and one
# leading +, holding 7 to 15 digits (15 is the longest international number, ITU-T E.164;
# 7 catches a number cut short). A data-entry guard, not a clinical number.
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 ().\-]+")
PHONE_DIGITS = (7, 15)
PHONE_MESSAGE = "Enter a telephone number of 7 to 15 digits, for example +1 555 010 0199."


class PatientForm(forms.Form):
    mrn = forms.CharField(label="MRN", max_length=32)
    given_name = forms.CharField(
        label="Given name", max_length=100, widget=forms.TextInput(attrs={"autofocus": True})
    )
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", widget=DATE_INPUT)
    # No default: a sex picked by the form rather than the person registering is a wrong fact.
    sex = forms.ChoiceField(choices=[("", "Choose…"), *Sex.choices])
    phone = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="E-mail",
        required=False,
        error_messages={"invalid": "Enter an e-mail address such as name@example.org."},
    )
    # Shown only when a patient with the same name and date of birth is already registered.
    confirm_not_duplicate = forms.BooleanField(
        label="This is a different person: register anyway", required=False
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        digits = sum(c.isdigit() for c in phone)
        if phone and (
            not _PHONE_CHARACTERS.fullmatch(phone)
            or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]
        ):
            raise forms.ValidationError(PHONE_MESSAGE)
        return phone

    def demographics(self) -> dict:
        """The cleaned demographic fields, without the form's own confirmation."""
        return {k: v for k, v in self.cleaned_data.items() if k != "confirm_not_duplicate"}


class DiagnosisForm(forms.Form):
    icd10_code = forms.CharField(label="ICD-10-CM code", max_length=10)
    label = forms.CharField(label="Diagnosis", max_length=200)
    onset_date = forms.DateField(label="Onset", required=False, widget=DATE_INPUT)
    clinical_status = forms.ChoiceField(label="Status", choices=DiagnosisStatus.choices)

    def clean_icd10_code(self) -> str:
        return self.cleaned_data["icd10_code"].upper()


class AllergyForm(forms.Form):
    substance = forms.CharField(max_length=200)
    reaction = forms.CharField(max_length=200, required=False)
    severity = forms.ChoiceField(
        choices=[("", "—"), ("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")],
        required=False,
    )


class MedicationForm(forms.Form):
    name = forms.CharField(label="Medication", max_length=200)
    dose = forms.DecimalField(required=False, max_digits=10, decimal_places=3)
    dose_unit = forms.CharField(label="Dose unit", max_length=20, required=False, initial="mg")
    frequency = forms.CharField(max_length=100, required=False)
    drug_class = forms.ChoiceField(label="Drug class", choices=DrugClass.choices)


class MeasurementForm(forms.Form):
    unit = forms.ChoiceField(
        label="Units",
        choices=[("metric", "kg and cm"), ("imperial", "lb and in")],
        initial="metric",
        widget=forms.RadioSelect,
    )
    weight = forms.DecimalField(label="Weight", required=False, max_digits=7, decimal_places=2)
    height = forms.DecimalField(label="Height", required=False, max_digits=6, decimal_places=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
