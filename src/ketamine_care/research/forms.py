"""HTML input of the research screens: a patient's research consent and a new project."""

from __future__ import annotations

from datetime import timedelta

from django import forms

from ketamine_care.core.clock import clinic_day_bounds, clinic_today
from ketamine_care.patients.models import ResearchConsentStatus


class ResearchConsentForm(forms.Form):
    status = forms.ChoiceField(
        label="Research consent",
        choices=[
            (ResearchConsentStatus.GIVEN, "Given: the patient agrees"),
            (ResearchConsentStatus.WITHDRAWN, "Withdrawn: the patient no longer agrees"),
        ],
        widget=forms.RadioSelect,
    )
    consent_text_version = forms.CharField(
        label="Version of the consent text",
        max_length=32,
        help_text="As printed on the form the patient read, e.g. 2026-1.",
    )
    recorded_on = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def values(self) -> dict:
        """The service's arguments: a day before today is taken at the clinic's noon, today
        (or no date) as now."""
        data = self.cleaned_data
        day = data.get("recorded_on")
        recorded_at = None
        if day is not None and day != clinic_today(self.clinic):
            recorded_at = clinic_day_bounds(self.clinic, day)[0] + timedelta(hours=12)
        return {
            "status": data["status"],
            "consent_text_version": data["consent_text_version"],
            "recorded_at": recorded_at,
        }


class ResearchProjectForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text="The question the project asks; researchers read it, patients never do.",
    )
    consent_text_version = forms.CharField(
        label="Consent text version required",
        max_length=32,
        required=False,
        help_text="Only patients who consented under this version count. Leave empty to "
        "accept any version.",
    )
