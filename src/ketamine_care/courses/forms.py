from __future__ import annotations

from django import forms

from ketamine_care.courses.recommend import ACTIONS

PREFIX = "course"


class DecisionForm(forms.Form):
    """The recommendation the prescriber saw, and (to decline) the reason."""

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason for declining",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
