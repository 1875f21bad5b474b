"""HTML forms. They parse input; the services apply the rules and report errors by field."""

from __future__ import annotations

from django import forms

from ketamine_care.dosing.labels import WEIGHT_BASES
from ketamine_care.inventory.forms import lot_choice_label
from ketamine_care.treatment_sessions.models import AdverseEventType, Outcome, Severity
from ketamine_care.treatment_sessions.readings import SYMPTOMS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO_UNKNOWN = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]


def _datetime(label: str, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )


class ScheduleForm(forms.Form):
    mrn = forms.CharField(label="Patient MRN", max_length=32)
    protocol_version = forms.ChoiceField(label="Protocol")
    chair_label = forms.CharField(label="Chair or room", max_length=40, required=False)
    scheduled_for = _datetime("Scheduled for", required=False)
    ad_hoc_reason = forms.CharField(
        label="Reason (only for a session outside a treatment plan)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text="Not needed when the patient has a planned visit that day: the session is "
        "linked to it.",
    )
    planned_visit = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["protocol_version"].choices = [
            (str(v.public_id), f"{v.protocol_id} v{v.version}") for v in versions
        ]


class CheckInForm(forms.Form):
    chair_label = forms.CharField(label="Chair or room", max_length=40, required=False)


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=24)
    reason = forms.CharField(max_length=2000, required=False)
    escort_present = forms.NullBooleanField(required=False)


class PreChecksForm(forms.Form):
    weight_kg = forms.DecimalField(
        label="Today's weight (kg)", required=False, max_digits=6, decimal_places=2
    )
    confirm_weight = forms.BooleanField(
        label="Weight checked (needed outside the plausible adult range)", required=False
    )
    weight_basis = forms.ChoiceField(
        label="Weight the dose is calculated on",
        required=False,
        choices=[("", "Not chosen"), *WEIGHT_BASES.items()],
        help_text="Choose it at BMI 30 or more: the calculator does not. Ideal and adjusted "
        "weight are never used above the actual weight; children (under 18) and adults "
        "under 152.4 cm dose on actual weight.",
    )
    last_food_at = _datetime("Last food at")
    last_liquids_at = _datetime("Last liquids at")
    escort_confirmed = forms.BooleanField(label="Escort and transport confirmed", required=False)
    consent_on_file = forms.BooleanField(label="Consent on file", required=False)
    pregnancy_test = forms.ChoiceField(
        label="Pregnancy test",
        required=False,
        choices=[
            ("", "Not recorded"),
            ("negative", "Negative"),
            ("positive", "Positive"),
            ("not_applicable", "Not applicable"),
        ],
    )
    concomitant_recorded = forms.BooleanField(
        label="Medications taken today reviewed", required=False
    )
    benzodiazepine = forms.BooleanField(label="Benzodiazepine today", required=False)
    non_benzodiazepine_sedative_hypnotic = forms.BooleanField(
        label="Non-benzodiazepine sedative-hypnotic today", required=False
    )
    psychostimulant = forms.BooleanField(label="Psychostimulant today", required=False)
    maoi = forms.BooleanField(label="MAOI today", required=False)
    opioid = forms.BooleanField(label="Opioid today", required=False)
    medication_notes = forms.CharField(label="Medication notes", max_length=500, required=False)
    day_of_session_asked = forms.BooleanField(
        label="Day-of-session questions asked", required=False
    )
    recent_alcohol_or_drugs = forms.BooleanField(
        label="Alcohol or non-prescribed drugs in the last 48 h", required=False
    )
    intoxication_signs = forms.BooleanField(label="Signs of intoxication", required=False)
    stimulant_or_cocaine = forms.BooleanField(
        label="Cocaine or non-prescribed stimulant in the last 48 h", required=False
    )
    nasal_medication_at = _datetime("Nasal decongestant or corticosteroid given at (esketamine)")

    def __init__(self, *args, weight_based: bool = True, **kwargs) -> None:
        """A fixed-mg protocol (esketamine) doses by no weight: no basis to choose."""
        super().__init__(*args, **kwargs)
        if not weight_based:
            del self.fields["weight_basis"]


class OverrideForm(forms.Form):
    check = forms.CharField(max_length=40)
    reason = forms.CharField(label="Reason for the override", max_length=2000)


class DoseForm(forms.Form):
    """The dose given and its ledger draw. The lot is picked from the clinic's usable lots of
    the protocol's drug (`lots`), the second clinician from the clinic's other clinicians
    (`checkers`, by e-mail, which the service resolves within the clinic); they confirm with
    their own password. Esketamine records each device's time, other routes a start time."""

    dose_mg = forms.DecimalField(label="Dose (mg)", max_digits=8, decimal_places=2)
    dose_change_reason = forms.CharField(
        label="Reason if the dose differs from the calculated dose",
        max_length=2000,
        required=False,
    )
    lot_id = forms.UUIDField(
        label="Lot", widget=forms.Select, help_text="Unexpired lots holding enough for the dose."
    )
    infusion_started_at = _datetime("Start (infusion or injection)")
    infusion_ended_at = _datetime("End of infusion")
    device_times = forms.CharField(
        label="Device times (one per line, YYYY-MM-DDTHH:MM)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    checked_by_email = forms.EmailField(label="Second clinician", widget=forms.Select)
    checked_by_password = forms.CharField(
        label="Second clinician's password",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="The second clinician types their own password to confirm the dose.",
    )

    # The service's and the ledger's field names, as this form names them.
    error_fields = {
        "checked_by": "checked_by_email",
        "lot": "lot_id",
        "quantity": "lot_id",
        "expiry_date": "lot_id",
        "product": "lot_id",
        "lot_number": "lot_id",
    }

    def __init__(self, *args, lots=(), checkers=(), devices=False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot_id"].widget.choices = [("", "Choose a lot")] + [
            (str(lot.public_id), lot_choice_label(lot)) for lot in lots
        ]
        self.fields["checked_by_email"].widget.choices = [("", "Choose who checks")] + [
            (user.email, user.full_name or user.email) for user in checkers
        ]
        for name in ("infusion_started_at", "infusion_ended_at") if devices else ("device_times",):
            del self.fields[name]


class VitalsForm(forms.Form):
    measured_at = _datetime("Measured at (empty = now)")
    bp_systolic_mmhg = forms.IntegerField(label="Systolic (mmHg)", required=False)
    bp_diastolic_mmhg = forms.IntegerField(label="Diastolic (mmHg)", required=False)
    heart_rate_bpm = forms.IntegerField(label="Heart rate (/min)", required=False)
    spo2_percent = forms.IntegerField(label="SpO2 (%)", required=False)
    respiratory_rate_per_min = forms.IntegerField(label="Resp. rate (/min)", required=False)
    moaas = forms.IntegerField(label="MOAA/S (0-5)", required=False)
    symptoms = forms.MultipleChoiceField(
        label="Symptoms reported (ask when BP is raised)",
        required=False,
        choices=list(SYMPTOMS.items()),
        widget=forms.CheckboxSelectMultiple,
    )


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(label="Action taken", max_length=2000)


class AdverseEventForm(forms.Form):
    event_type = forms.ChoiceField(label="Type", choices=AdverseEventType.choices)
    severity = forms.ChoiceField(choices=Severity.choices)
    serious = forms.BooleanField(label="Serious", required=False)
    description = forms.CharField(max_length=2000, required=False)
    action_taken = forms.CharField(label="Action taken", max_length=2000)
    outcome = forms.ChoiceField(choices=Outcome.choices)


class SignForm(forms.Form):
    note = forms.CharField(
        label="Clinical note",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    generated_note_complete = forms.BooleanField(
        label="The generated note above is complete; no clinical note to add", required=False
    )
    # Checked by the service (which counts wrong ones); blank reaches it to say so.
    password = forms.CharField(
        label="Your password", required=False, max_length=4096, widget=forms.PasswordInput
    )


class DischargeForm(forms.Form):
    escort_name = forms.CharField(label="Escort's name", max_length=200, required=False)
    instructions = forms.MultipleChoiceField(
        label="Instructions given", required=False, widget=forms.CheckboxSelectMultiple
    )
    other_instructions = forms.CharField(
        label="Other instructions given",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirmed = forms.BooleanField(
        label="I confirm the patient is discharged with the escort and instructions above",
        required=False,
    )

    def __init__(self, *args, instructions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instructions"].choices = [(i["key"], i["label"]) for i in instructions]


class AmendForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("amendment", "Amendment"), ("entered_in_error", "Entered in error")]
    )
    target = forms.CharField(label="Entry", max_length=80, initial="note")
    text = forms.CharField(
        label="Amendment text", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(label="Reason", max_length=2000)


class RemsSubmitForm(forms.Form):
    method = forms.ChoiceField(choices=[("online", "Online"), ("fax", "Fax")])
    reference = forms.CharField(label="Confirmation or fax reference", required=False)


class DateRangeForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
