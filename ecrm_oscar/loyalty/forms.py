"""Forms of the loyalty pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BirthdayForm(forms.Form):
    birthday = forms.DateField(
        label=_("Your birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a birthday bonus. Leave empty to remove it."),
    )
