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


# What a patient reads when an answer is missing or cannot be used: plain words, never the
# item codes or allowed ranges the clinician's messages name.
UNANSWERED = "Please choose an answer to this question."
NOT_AN_ANSWER = "Please choose one of the answers shown."
UNREADABLE = "Some answers could not be read. Please check them and send your answers again."


def _plain_messages(field: forms.Field) -> None:
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    number = f"Please enter a whole number from {low} to {high}." if low is not None else ""
    field.error_messages.update(
        required=UNANSWERED,
        invalid_choice=NOT_AN_ANSWER,
        invalid=number or NOT_AN_ANSWER,
        min_value=number or NOT_AN_ANSWER,
        max_value=number or NOT_AN_ANSWER,
    )


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
                _plain_messages(field)
                # The question's number and questionnaire, for the patient's messages.
                field.position, field.questionnaire = position, definition.name
                self.fields[name] = field
                names.append(name)
            self.sections.append((definition, names))

    def section_fields(self):
        return [(d, [self[n] for n in names]) for d, names in self.sections]

    @property
    def question_count(self) -> int:
        return len(self.fields)

    def answered_count(self) -> int:
        if not self.is_bound:
            return 0
        return sum(1 for name in self.fields if self.data.get(name) not in (None, ""))

    def add_plain_errors(self, fields: dict[str, str]) -> None:
        """Put the service's refusals on the questions in plain words: a question left empty
        asks for an answer, any other refusal asks for one of the answers shown."""
        unknown = False
        for name in fields:
            if name not in self.fields:
                unknown = True
                continue
            empty = self.data.get(name) in (None, "")
            self.add_error(name, UNANSWERED if empty else NOT_AN_ANSWER)
        if unknown:
            self.add_error(None, UNREADABLE)

    def first_error(self):
        """The first question with an error, in form order, or None."""
        return next((self[name] for name in self.fields if name in self.errors), None)

    def answers(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for definition, names in self.sections:
            out[definition.code] = {n.split("__", 1)[1]: self.cleaned_data.get(n) for n in names}
        return out
