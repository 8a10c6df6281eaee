from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ecrm_oscar.automation.models import Flow, FlowStep


class FlowForm(forms.ModelForm):
    class Meta:
        model = Flow
        fields = [
            "name",
            "enabled",
            "holdout_percent",
            "incentive",
            "incentive_value",
            "incentive_valid_days",
            "include_recommendations",
        ]

    def clean(self):
        data = super().clean()
        if data.get("incentive") == "Percentage" and (data.get("incentive_value") or 0) > 100:
            self.add_error("incentive_value", forms.ValidationError(_("At most 100 %.")))
        if data.get("incentive") and (data.get("incentive_value") or 0) <= 0:
            self.add_error(
                "incentive_value", forms.ValidationError(_("Give the discount a value."))
            )
        return data


class StepForm(forms.ModelForm):
    class Meta:
        model = FlowStep
        fields = ["position", "delay_hours", "code", "with_incentive"]

    def clean_code(self):
        code = self.cleaned_data["code"]
        CommunicationEventType = get_model("communication", "CommunicationEventType")
        if not CommunicationEventType.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("No email template with this code (Dashboard → Content → Email templates).")
            )
        return code


StepFormSet = inlineformset_factory(Flow, FlowStep, form=StepForm, extra=1, can_delete=True)
