"""The screening workup form: asks for the facts the record cannot give."""

from __future__ import annotations

from django import forms

from ketamine_care.screening.vocabulary import DIAGNOSES, HISTORY_ITEMS

_TRI = [("", "Not asked"), ("yes", "Yes"), ("no", "No")]


def _words(words) -> list[tuple[str, str]]:
    return [(w, w.replace("_", " ").capitalize()) for w in words]


class WorkupForm(forms.Form):
    protocol = forms.ChoiceField(label="Protocol")
    diagnoses = forms.MultipleChoiceField(
        label="Diagnoses not coded in the record",
        choices=_words(DIAGNOSES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    history_reviewed = forms.BooleanField(
        label="I reviewed the medical history below with the patient",
        required=False,
        help_text="Unless ticked, the history counts as not asked (missing), never as 'none'.",
    )
    history = forms.MultipleChoiceField(
        label="History present",
        choices=_words(HISTORY_ITEMS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pregnant = forms.ChoiceField(label="Pregnant", choices=_TRI, required=False)
    breastfeeding = forms.ChoiceField(label="Breastfeeding", choices=_TRI, required=False)
    bp_systolic = forms.IntegerField(
        label="Systolic BP", required=False, min_value=40, max_value=300
    )
    bp_diastolic = forms.IntegerField(
        label="Diastolic BP", required=False, min_value=20, max_value=200
    )
    heart_rate = forms.IntegerField(label="Heart rate", required=False, min_value=20, max_value=250)
    failed_antidepressant_trials = forms.IntegerField(
        label="Failed adequate antidepressant trials (this episode)",
        required=False,
        min_value=0,
        max_value=50,
    )

    def __init__(self, *args, protocols, benzodiazepines, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [(v.protocol_id, v.parsed().title) for v in protocols]
        self.dze_fields: list[tuple[str, str]] = []
        for index, med in enumerate(benzodiazepines):
            name = f"dze_{index}"
            self.fields[name] = forms.FloatField(
                label=f"{med.name}: diazepam-equivalent dose",
                required=False,
                min_value=0,
                help_text="mg/day; the reference gives no conversion factors, so enter it.",
            )
            self.dze_fields.append((name, med.name))

    def answers(self) -> dict:
        data = self.cleaned_data
        tri = {"yes": True, "no": False, "": None}
        answers = {
            "diagnoses": data["diagnoses"],
            "history": data["history"] if data["history_reviewed"] else None,
            "pregnant": tri[data["pregnant"] or ""],
            "breastfeeding": tri[data["breastfeeding"] or ""],
            "medication_dze": {
                med: data[name] for name, med in self.dze_fields if data.get(name) is not None
            },
        }
        for name in ("bp_systolic", "bp_diastolic", "heart_rate"):
            if data[name] is not None:
                answers[name] = float(data[name])
        if data["failed_antidepressant_trials"] is not None:
            answers["failed_antidepressant_trials"] = data["failed_antidepressant_trials"]
        return answers

    def field_names(self, *names):
        return [self[n] for n in names]


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for proceeding",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Documented in the record and the audit trail; the medical director co-signs.",
    )


class CosignForm(forms.Form):
    note = forms.CharField(
        label="Co-signature note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
