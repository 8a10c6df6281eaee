from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ecrm_oscar.support.abstract_models import CaseStatus


class NewCaseForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea, max_length=10_000)
    order = forms.ModelChoiceField(label=_("Order (optional)"), queryset=None, required=False)
    email = forms.EmailField(label=_("Your email"), required=False)
    # honeypot: hidden from people by CSS; bots fill every field
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        Order = get_model("order", "Order")
        self.user = user
        if user is not None and user.is_authenticated:
            self.fields["order"].queryset = Order.objects.filter(user=user).order_by("-date_placed")
            self.fields["order"].label_from_instance = lambda o: f"{o.number} ({o.status})"
            del self.fields["email"]
        else:
            self.fields["order"].queryset = Order.objects.none()
            del self.fields["order"]
            self.fields["email"].required = True

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This field must be left empty."))
        return ""


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )


class StaffCaseForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    assigned_to = forms.ModelChoiceField(label=_("Assigned to"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["assigned_to"].queryset = get_user_model().objects.filter(is_staff=True)
