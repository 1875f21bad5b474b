"""HTML input of the therapy screens: the session and its structured note, an amendment, a
risk alert's acknowledgement and the caseload windows. Plans and dosing sessions are offered
from the patient's own records and named by date only (no dose)."""

from __future__ import annotations

from django import forms

from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.therapy.models import RiskCheck, SessionKind
from ketamine_care.therapy.queries import dosing_dates_of
from ketamine_care.therapy.windows import defaults

TEXT = {"rows": 3}
NOT_ASKED = [("", "Not asked yet (the note cannot be signed without it)")]


class TherapyNoteForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of session", choices=SessionKind.choices)
    held_on = forms.DateField(
        label="Held on", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    plan = forms.ChoiceField(label="Treatment plan (the course)", required=False)
    dosing_session = forms.ChoiceField(
        label="Dosing session",
        required=False,
        help_text="Required for dosing-day support; for integration, the session it follows.",
    )
    intentions = forms.CharField(
        label="Intentions", widget=forms.Textarea(attrs=TEXT), required=False, max_length=8000
    )
    experience = forms.CharField(
        label="Experience", widget=forms.Textarea(attrs=TEXT), required=False, max_length=8000
    )
    integration_themes = forms.CharField(
        label="Integration themes",
        widget=forms.Textarea(attrs=TEXT),
        required=False,
        max_length=8000,
    )
    homework = forms.CharField(
        label="Homework", widget=forms.Textarea(attrs=TEXT), required=False, max_length=8000
    )
    risk_check = forms.ChoiceField(
        label="Risk check: suicidal thoughts or behaviour",
        choices=NOT_ASKED + list(RiskCheck.choices),
        widget=forms.RadioSelect,
        required=False,
    )
    risk_details = forms.CharField(
        label="What was reported and what was done",
        widget=forms.Textarea(attrs=TEXT),
        required=False,
        max_length=4000,
        help_text="Required when suicidal thoughts or behaviour are reported: it raises an "
        "urgent risk alert for the prescribers and the medical director.",
    )

    def __init__(self, *args, patient, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.plans = {
            str(p.public_id): p
            for p in TreatmentPlan.objects.filter(patient=patient).order_by("-start_date")
        }
        self.fields["plan"].choices = [("", "None")] + [
            (key, f"{p.protocol_id} plan from {p.start_date:%Y-%m-%d} ({p.get_status_display()})")
            for key, p in self.plans.items()
        ]
        dated = dosing_dates_of(patient)
        self.dosing_sessions = {str(s.public_id): s for s, _ in dated}
        self.fields["dosing_session"].choices = [("", "None")] + [
            (str(s.public_id), f"Dosing session on {day:%Y-%m-%d}") for s, day in dated
        ]
        if editing:
            self.fields["kind"].disabled = True

    def values(self) -> dict:
        """The service's arguments: ids turned into the patient's own rows."""
        data = dict(self.cleaned_data)
        data["plan"] = self.plans.get(data.get("plan") or "")
        data["dosing_session"] = self.dosing_sessions.get(data.get("dosing_session") or "")
        return data


class AmendmentForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=2000)
    text = forms.CharField(label="Amendment", widget=forms.Textarea(attrs=TEXT), max_length=8000)
    reports_risk = forms.BooleanField(
        label="This amendment reports suicidal thoughts or behaviour (raises a risk alert)",
        required=False,
    )


class CaseloadSettingsForm(forms.Form):
    upcoming_days = forms.IntegerField(label="")
    integration_days = forms.IntegerField(label="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            spec = defaults()[name]
            field.label = f"{spec['label']} ({spec['unit']})"
            field.widget.attrs.update(min=spec["min"], max=spec["max"])
            field.help_text = (
                f"Shipped default {spec['value']} {spec['unit']}: an institutional value, "
                "no published source fixes it; the clinic sets its own."
            )
