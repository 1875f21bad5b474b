from django import forms


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Required: the assessment, call or plan that answers this alert.",
    )


class SafetySettingsForm(forms.Form):
    crisis_resources_text = forms.CharField(
        label="Crisis resources shown to patients",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=4000,
        help_text="Shown at once when a self-report answer raises a safety flag. Leave empty "
        "for the default text, which names the 988 Suicide & Crisis Lifeline and emergency "
        "services (call 911). Do not say here that the clinic was told: the screen adds that "
        "only when an alert reached the clinic, and asks the patient to call it otherwise.",
    )
    crisis_protocol_text = forms.CharField(
        label="Crisis protocol shown to clinicians",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=4000,
        help_text="Shown on the chart with a high-risk C-SSRS result. Leave empty for the default.",
    )
    cadss_discharge_threshold = forms.DecimalField(
        label="CADSS discharge threshold (23-item total, 0–92)",
        required=False,
        max_digits=4,
        decimal_places=1,
        help_text="A CADSS total above this at discharge raises an alert. No published "
        "source gives a number: the clinic sets it. Empty = not set (every discharge CADSS is "
        "flagged as unconfigured).",
    )


def add_suicide_item_fields(form: forms.Form, rules) -> None:
    """One optional cut-off field per suicide-item rule; empty = the shipped default."""
    for rule_id, default, low, high, name, instrument in rules:
        form.fields[rule_id] = forms.IntegerField(
            label=f"{instrument}: {name}, alert at or above",
            required=False,
            min_value=max(low, 1),
            max_value=high,
            help_text=f"Default {default} (the item's active-ideation anchor, an institutional "
            "cut-off). Empty = the default.",
        )


class SafetyPlanForm(forms.Form):
    """The Stanley-Brown sections, one line per entry; `based_on` is the version reviewed."""

    based_on = forms.UUIDField(required=False, widget=forms.HiddenInput)
    reviewed_on = forms.DateField(
        label="Written or reviewed on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )

    def __init__(self, *args, **kwargs):
        from ketamine_care.outcomes.models import SAFETY_PLAN_OPTIONAL, SAFETY_PLAN_SECTIONS

        super().__init__(*args, **kwargs)
        for name, label, help_text in SAFETY_PLAN_SECTIONS + SAFETY_PLAN_OPTIONAL:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,  # the service names every missing section at once
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=f"{help_text} One per line.",
            )

    def sections(self) -> dict[str, str]:
        from ketamine_care.outcomes.models import SAFETY_PLAN_FIELDS

        return {name: self.cleaned_data.get(name, "") for name in SAFETY_PLAN_FIELDS}
