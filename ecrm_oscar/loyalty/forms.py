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


class RedeemForm(forms.Form):
    """The checkout's "pay with points" form. Every field is checked against the shopper's
    own basket and account by ``redemption.apply_points``; ``points`` stays a string so
    bad numbers get the facade's precise message."""

    points = forms.CharField(required=False, max_length=40)
    basket = forms.CharField(required=False, max_length=20)
    account = forms.CharField(required=False, max_length=20)
    nonce = forms.CharField(required=False, max_length=40)
    action = forms.ChoiceField(choices=[("apply", "apply"), ("remove", "remove")])
    next = forms.CharField(required=False, max_length=500)
