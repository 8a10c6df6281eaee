"""Forms of the loyalty dashboard."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecrm_oscar.loyalty import coupons, facade
from ecrm_oscar.loyalty.exceptions import InvalidPoints
from ecrm_oscar.loyalty.models import CouponCampaign, ProgramSettings, Tier


class SettingsForm(forms.ModelForm):
    #: Shown in these groups, in this order (settings.html).
    GROUPS = [
        (_("Programme"), ["enabled", "send_emails"]),
        (
            _("Earning"),
            ["points_per_unit", "include_shipping", "include_tax", "deduct_discounts"],
        ),
        (
            _("Confirmation and reversal"),
            ["confirm_status", "confirm_after_days", "cancel_statuses", "refund_event_types"],
        ),
        (
            _("Redemption at checkout"),
            ["point_value", "redeem_step", "redeem_max_share", "reservation_minutes"],
        ),
        (_("Tiers"), ["tier_basis", "tier_window_days"]),
        (_("Expiry"), ["expiry", "expiry_months", "expiry_warning_days"]),
        (
            _("Bonus points"),
            [
                "registration_points",
                "first_order_points",
                "birthday_points",
                "review_points",
                "referral_points",
                "referred_points",
            ],
        ),
    ]

    class Meta:
        model = ProgramSettings
        fields = [
            "enabled",
            "send_emails",
            "points_per_unit",
            "include_shipping",
            "include_tax",
            "deduct_discounts",
            "confirm_status",
            "confirm_after_days",
            "cancel_statuses",
            "refund_event_types",
            "point_value",
            "redeem_step",
            "redeem_max_share",
            "reservation_minutes",
            "tier_basis",
            "tier_window_days",
            "expiry",
            "expiry_months",
            "expiry_warning_days",
            "registration_points",
            "first_order_points",
            "birthday_points",
            "review_points",
            "referral_points",
            "referred_points",
        ]

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]


class TierForm(forms.ModelForm):
    class Meta:
        model = Tier
        fields = ["name", "threshold", "multiplier", "perks"]


class AdjustmentForm(forms.Form):
    """A manual correction: whole points (negative to take away) and a reason (audited)."""

    points = forms.CharField(
        label=_("Points"), max_length=20, help_text=_("Negative to take points away.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, help_text=_("Required: audited."))
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def clean_points(self):
        try:
            return facade.check_points(self.cleaned_data["points"], allow_negative=True)
        except InvalidPoints as error:
            raise forms.ValidationError(str(error)) from None

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason


class AccountSearchForm(forms.Form):
    q = forms.CharField(label=_("Email or name"), required=False, max_length=100)


class CampaignForm(forms.ModelForm):
    target = forms.ChoiceField(label=_("Who gets it"))

    class Meta:
        model = CouponCampaign
        fields = ["name", "description", "target", "kind", "value", "min_basket", "valid_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = coupons.target_choices()

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("kind") == CouponCampaign.Kind.PERCENTAGE
            and (cleaned.get("value") or 0) > 100
        ):
            self.add_error("value", _("A percentage cannot be more than 100."))
        return cleaned
