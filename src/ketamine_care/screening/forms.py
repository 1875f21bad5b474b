"""The screening workup form: asks for the facts the record cannot give."""

from __future__ import annotations

from django import forms

from ketamine_care.core.labels import humanise
from ketamine_care.screening import interactions, labels
from ketamine_care.screening.vocabulary import DIAGNOSES, HISTORY_ITEMS, SUICIDE_RISKS

_TRI = [("", "Not asked"), ("yes", "Yes"), ("no", "No")]
_RISK_LABELS = {
    "none": "None (no to every screener question)",
    "low": "Low (wish to be dead or non-specific thoughts only)",
    "moderate": "Moderate (thoughts of a method, or behaviour more than 3 months ago)",
    "high": "High (intent or a plan in the past month, or behaviour in the past 3 months)",
}
NONE_APPLIES = "-"


def _words(words, names: dict[str, str]) -> list[tuple[str, str]]:
    return [(w, names.get(w) or humanise(w)) for w in words]


class WorkupForm(forms.Form):
    protocol = forms.ChoiceField(label="Protocol")
    diagnoses = forms.MultipleChoiceField(
        label="Diagnoses not coded in the record",
        choices=_words(DIAGNOSES, labels.DIAGNOSES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    history_reviewed = forms.BooleanField(
        label="I reviewed the medical history below with the patient",
        required=False,
        help_text="Unless ticked, the history counts as not asked (missing), never as 'none'.",
    )
    medications_reviewed = forms.BooleanField(
        label="I reviewed the current medications with the patient: the list on the chart is "
        "complete",
        required=False,
        help_text="Unless ticked, a medication the chart does not list counts as not asked "
        "(missing), never as 'not taken': the interaction rules wait for this review. Add any "
        "medication the patient takes to the chart first.",
    )
    history = forms.MultipleChoiceField(
        label="History present",
        choices=_words(HISTORY_ITEMS, labels.HISTORY),
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
    suicide_risk = forms.ChoiceField(
        label="Current suicide risk (C-SSRS screener triage)",
        required=False,
        choices=[("", "Not asked"), *((r, _RISK_LABELS[r]) for r in SUICIDE_RISKS)],
        help_text="A C-SSRS screener on the record from the last 30 days is used as well; "
        "the higher risk counts.",
    )
    inpatient_care_needed = forms.ChoiceField(
        label="In your judgement, does the patient need inpatient care now?",
        choices=_TRI,
        required=False,
    )

    def __init__(self, *args, protocols, benzodiazepines, unclassified=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [(v.protocol_id, v.parsed().title) for v in protocols]
        self.dze_fields: list[tuple[str, str]] = []
        self.dose_fields: list[tuple[str, str]] = []
        for index, med in enumerate(benzodiazepines):
            self._medication_field(index, med.name)
        self.classify_fields: list[tuple[str, str]] = []
        for index, (code, label) in enumerate(unclassified):
            name = f"classify_{index}"
            self.fields[name] = forms.ChoiceField(
                label=f"Classify {code} ({label})" if label else f"Classify {code}",
                required=False,
                choices=[
                    ("", "Not classified yet"),
                    *_words(DIAGNOSES, labels.DIAGNOSES),
                    (NONE_APPLIES, "None of these applies"),
                ],
                help_text="The screening cannot read this code; until it is classified the "
                "verdict needs this information.",
            )
            self.classify_fields.append((name, code))

    def _medication_field(self, index: int, name: str) -> None:
        drug = interactions.find_drug(name)
        if drug is not None and drug.equivalent_to_diazepam_10mg is not None:
            field = f"dose_{index}"
            self.fields[field] = forms.FloatField(
                label=f"{name}: total daily dose",
                required=False,
                min_value=0,
                help_text=f"mg/day; converted to diazepam equivalents "
                f"({drug.equivalent_to_diazepam_10mg:g} mg ≈ 10 mg diazepam).",
            )
            self.dose_fields.append((field, name))
            return
        field = f"dze_{index}"
        self.fields[field] = forms.FloatField(
            label=f"{name}: diazepam-equivalent dose",
            required=False,
            min_value=0,
            help_text="mg/day; this drug has no equivalence in the screening's table, so enter it.",
        )
        self.dze_fields.append((field, name))

    def medication_fields(self):
        return [self[name] for name, _ in (*self.dose_fields, *self.dze_fields)]

    def classification_fields(self):
        return [self[name] for name, _ in self.classify_fields]

    def answers(self) -> dict:
        data = self.cleaned_data
        tri = {"yes": True, "no": False, "": None}
        answers = {
            "diagnoses": data["diagnoses"],
            "history": data["history"] if data["history_reviewed"] else None,
            # Unticked: None, so the record's list stays open (`merge_answers`).
            "medications_unreviewed": False if data["medications_reviewed"] else None,
            "pregnant": tri[data["pregnant"] or ""],
            "breastfeeding": tri[data["breastfeeding"] or ""],
            "inpatient_care_needed": tri[data["inpatient_care_needed"] or ""],
            "suicide_risk": data["suicide_risk"] or None,
            "medication_dze": {
                med: data[name] for name, med in self.dze_fields if data.get(name) is not None
            },
            "medication_daily_dose": {
                med: data[name] for name, med in self.dose_fields if data.get(name) is not None
            },
            "classify": {
                code: ("" if data[name] == NONE_APPLIES else data[name])
                for name, code in self.classify_fields
                if data.get(name)
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
