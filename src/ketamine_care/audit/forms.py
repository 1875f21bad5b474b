from django import forms


class AuditFilterForm(forms.Form):
    patient = forms.CharField(label="Patient MRN", required=False, max_length=64)
    user = forms.CharField(label="User email", required=False, max_length=254)
    event_type = forms.CharField(
        label="Event type",
        required=False,
        max_length=80,
        help_text="Exact or a prefix, e.g. patient.",
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data
