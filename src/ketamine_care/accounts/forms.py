from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from ketamine_care.accounts.models import Clinic, Role, User


class LoginForm(forms.Form):
    email = forms.EmailField(
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class OtpForm(forms.Form):
    code = forms.CharField(
        label="One-time code",
        max_length=8,
        help_text="The 6 digits from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class InviteForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices)


class InvitationActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("resend", "Resend"), ("cancel", "Cancel")])


class NewPasswordForm(forms.Form):
    """A new account's password, checked by the project's password validators."""

    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not a common password and not like your name or "
        "e-mail address.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, full_name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = User(email=email, full_name=full_name)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, self.person)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ExistingPasswordForm(forms.Form):
    """Someone who already has an account confirms the invitation with their password."""

    password1 = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        if not self.user.check_password(password):
            raise ValidationError("This is not the password of your account.")
        return password


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class DeactivateForm(forms.Form):
    confirm = forms.BooleanField(
        label="End this person's access now: their sessions end and their API tokens stop working."
    )


class ReactivateForm(forms.Form):
    confirm = forms.BooleanField(label="Give this person access again, with the same role.")


class ResetSecondFactorForm(forms.Form):
    confirm = forms.BooleanField(
        label="This person lost their authenticator. Remove it and their backup codes once a "
        "second clinic admin confirms."
    )


class ConfirmResetForm(forms.Form):
    confirm = forms.BooleanField(
        label="I checked with this person: remove their authenticator and backup codes now."
    )


class AddMembershipForm(forms.Form):
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.none(), to_field_name="public_id")
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, clinics, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics


def _time_zone_choices() -> list[tuple[str, str]]:
    from zoneinfo import available_timezones

    return [(zone, zone.replace("_", " ")) for zone in sorted(available_timezones())]


class ClinicSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=_time_zone_choices,
        label="Time zone",
        help_text="The clinic's today (lot expiry, day lists, today's weight) and every time "
        "its screens show follow this zone.",
    )

    class Meta:
        model = Clinic
        fields = ["name", "address", "security_contact_email", "time_zone"]
        labels = {"security_contact_email": "Security contact e-mail"}
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
