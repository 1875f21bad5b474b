"""Forms of the scheduled measures: a patient's contact preferences, the clinic's settings."""

from __future__ import annotations

from django import forms

from ketamine_care.instruments.forms import instrument_choices


class ContactForm(forms.Form):
    consent_to_contact = forms.BooleanField(
        label="The patient agrees to be contacted between visits", required=False
    )
    by_email = forms.BooleanField(label="By e-mail", required=False)
    by_sms = forms.BooleanField(label="By text message", required=False)


class MeasureSettingsForm(forms.Form):
    quiet_start = forms.TimeField(label="Quiet hours start (clinic time)")
    quiet_end = forms.TimeField(label="Quiet hours end (clinic time)")
    instruments = forms.MultipleChoiceField(
        label="Questionnaires sent before each visit and after each session",
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )
    show_scores_to_patient = forms.BooleanField(
        label="Show patients their own scores over time behind their link", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instruments"].choices = instrument_choices(self_report_only=True)
