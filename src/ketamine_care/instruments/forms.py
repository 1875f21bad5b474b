"""The clinician entry form, built from an instrument definition.

Items with a short list of answers are radio groups (one key picks an answer: see
static/js/keyed-answers.js); items with a wide numeric range are number inputs. Fields are
optional here so the live preview can read a partial form; the service requires every item.
"""

from __future__ import annotations

from django import forms

from ketamine_care.instruments.definition import InstrumentDefinition, list_codes, load_definition
from ketamine_care.instruments.models import TimePoint

RADIO_LIMIT = 11  # more answer options than this get a number input
ITEM_PREFIX = "item_"


def instrument_choices(self_report_only: bool = False) -> list[tuple[str, str]]:
    definitions = [load_definition(code) for code in list_codes()]
    if self_report_only:
        definitions = [d for d in definitions if d.self_report]
    return sorted(((d.code, d.name) for d in definitions), key=lambda c: c[1])


class InstrumentPickForm(forms.Form):
    instrument = forms.ChoiceField(label="Instrument", choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", "Choose an instrument…"), *instrument_choices()]


def answer_field(item, position: int, repeated: bool = False) -> forms.Field:
    label = f"{position}. {item.name}"
    if repeated:  # TLFB: one count per day, typed as a list
        return forms.CharField(
            label=label,
            required=False,
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=f"One number per day, oldest first, separated by spaces or commas "
            f"({item.describe_allowed()} each).",
        )
    values = item.allowed_values()
    if item.options is not None and len(values) <= RADIO_LIMIT:
        choices = [(str(o.value), f"{o.value} · {o.label}") for o in item.options]
        return forms.TypedChoiceField(
            label=label,
            choices=choices,
            coerce=int,
            required=False,
            widget=forms.RadioSelect(attrs={"data-keyed": "true"}),
            help_text=item.text or "",
        )
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=min(values),
        max_value=max(values),
        help_text=f"{item.text + ' ' if item.text else ''}({item.describe_allowed()})",
    )


class AdministrationForm(forms.Form):
    # No default: a wrong time point silently changes which administration is the baseline.
    time_point = forms.ChoiceField(
        label="Time point", choices=[("", "Choose…"), *TimePoint.choices]
    )
    follow_up_day = forms.IntegerField(
        label="Follow-up day", required=False, min_value=0, max_value=3650
    )
    administered_at = forms.DateTimeField(
        label="Administered at",
        required=False,
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, definition: InstrumentDefinition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        calendar = definition.calendar
        for position, item in enumerate(definition.items, 1):
            repeated = calendar is not None and item.id == calendar.day_item
            self.fields[ITEM_PREFIX + item.id] = answer_field(item, position, repeated)
            if calendar is not None and item.id == calendar.sex_item:
                self.fields[ITEM_PREFIX + item.id].help_text = (
                    "Leave empty to use the patient's recorded sex. When it is not recorded as "
                    "male or female, the stricter line applies; a line that contradicts the "
                    "record is refused."
                )

    def item_fields(self):
        return [self[ITEM_PREFIX + item_id] for item_id in self.definition.item_ids]

    def raw_answers(self) -> dict[str, str]:
        """Answers as typed, for the preview (which tolerates gaps and bad values)."""
        return {i: self.data.get(ITEM_PREFIX + i, "") for i in self.definition.item_ids}

    def answers(self) -> dict[str, int | None]:
        return {i: self.cleaned_data.get(ITEM_PREFIX + i) for i in self.definition.item_ids}


def field_for_error(name: str) -> str:
    """Service errors name items by id; the form's fields carry a prefix."""
    return name if name in AdministrationForm.base_fields else ITEM_PREFIX + name
