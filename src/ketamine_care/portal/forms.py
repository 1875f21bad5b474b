"""Forms of the self-report portal: the clinician's link form and the patient's questionnaires."""

from __future__ import annotations

from django import forms

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.forms import answer_field, instrument_choices
from ketamine_care.portal.services import DEFAULT_EXPIRY_HOURS, MAX_EXPIRY_HOURS


class LinkForm(forms.Form):
    instruments = forms.MultipleChoiceField(
        label="Questionnaires", widget=forms.CheckboxSelectMultiple, choices=[]
    )
    expires_in_hours = forms.IntegerField(
        label="Link valid for (hours)",
        initial=DEFAULT_EXPIRY_HOURS,
        min_value=1,
        max_value=MAX_EXPIRY_HOURS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instruments"].choices = instrument_choices(self_report_only=True)


class QuestionnaireForm(forms.Form):
    """Every item of every questionnaire on the link; field names are `<code>__<item_id>`."""

    def __init__(self, codes: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = []
        for code in codes:
            definition = load_definition(code)
            names = []
            for position, item in enumerate(definition.items, 1):
                name = f"{code}__{item.id}"
                field = answer_field(item, position)
                # Patients read the item's words where the licence allows, else its name.
                field.label = f"{position}. {item.text or item.name}"
                field.help_text = ""
                field.widget.attrs.pop("data-keyed", None)
                self.fields[name] = field
                names.append(name)
            self.sections.append((definition, names))

    def section_fields(self):
        return [(d, [self[n] for n in names]) for d, names in self.sections]

    def answers(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for definition, names in self.sections:
            out[definition.code] = {n.split("__", 1)[1]: self.cleaned_data.get(n) for n in names}
        return out
