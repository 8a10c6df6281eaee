"""Forms of the eCRM dashboard: customer search, timeline filters, the segment editor."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ecrm_oscar.customers import rules
from ecrm_oscar.customers.models import Segment, SegmentRule
from ecrm_oscar.customers.rfm import RfmSegment
from ecrm_oscar.dashboard.models import SiteSettings
from ecrm_oscar.tracking import event_types
from ecrm_oscar.tracking.abstract_models import Channel

SORTS = [
    ("-spend", _("Total spent, highest first")),
    ("spend", _("Total spent, lowest first")),
    ("recency", _("Last order, most recent first")),
    ("-recency", _("Last order, longest ago first")),
    ("-orders", _("Orders, most first")),
    ("-clv", _("Predicted CLV, highest first")),
    ("-joined", _("Joined, newest first")),
]


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("email or name")}),
    )
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("All customers"))] + list(
            Segment.objects.filter(active=True).values_list("slug", "name")
        )


class TimelineFilterForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All types"))] + [
            (t.code, t.label) for t in event_types.all_types()
        ]


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "slug", "description", "active", "match"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "slug": _(
                "Left empty, it is made from the name. Fixed once created: Wagtail blocks "
                "and other apps refer to segments by it."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if self.instance.pk:
            self.fields["slug"].disabled = True
        if self.instance.is_automatic:
            del self.fields["match"]

    def clean_slug(self):
        if self.instance.pk:
            return self.instance.slug
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name", ""))
        if not slug:
            raise ValidationError(_("Give the segment a name or a slug made of letters."))
        if Segment.objects.filter(slug=slug).exists():
            raise ValidationError(_("A segment with this slug exists already."))
        return slug


class SegmentRuleForm(forms.ModelForm):
    """One condition. The inputs a condition does not use are ignored."""

    kind = forms.ChoiceField(label=_("Condition"))
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    count = forms.IntegerField(label=_("Times"), required=False, min_value=1, max_value=100000)
    days = forms.IntegerField(
        label=_("Days"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("in the last N days"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=get_model("catalogue", "Category").objects
    )
    product = forms.CharField(
        label=_("Product"),
        required=False,
        max_length=64,
        help_text=_("UPC or id"),
    )
    rfm_segment = forms.ChoiceField(
        label=_("RFM segment"), required=False, choices=[("", "---------"), *RfmSegment.choices]
    )
    choice = forms.ChoiceField(label=_("Value"), required=False)

    class Meta:
        model = SegmentRule
        fields = ["kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "---------")] + [
            (t.code, t.label) for t in rules.all_types()
        ]
        self.fields["category"].queryset = get_model("catalogue", "Category").objects.order_by(
            "path"
        )
        choices = [("", "---------")]
        for rule_type in rules.all_types():
            if "choice" in rule_type.inputs and rule_type.choices:
                try:
                    choices.append((str(rule_type.label), list(rule_type.choices())))
                except Exception:  # another app's choices must not break the editor
                    continue
        if len(choices) > 1:
            self.fields["choice"].choices = choices
        else:  # no installed rule type takes a value from a list
            del self.fields["choice"]
        params = self.instance.params or {}
        for name in rules.INPUTS:
            if name in params and name not in self.initial:
                self.initial[name] = params[name]
        if "product" in params:
            Product = get_model("catalogue", "Product")
            product = Product.objects.filter(pk=params["product"]).only("upc").first()
            self.initial["product"] = (product.upc or product.pk) if product else params["product"]
        self.params: dict = {}

    def clean_product(self):
        value = (self.cleaned_data.get("product") or "").strip()
        if not value:
            return None
        Product = get_model("catalogue", "Product")
        product = Product.objects.filter(upc=value).first()
        if product is None and value.isdigit():
            product = Product.objects.filter(pk=int(value)).first()
        if product is None:
            raise ValidationError(
                _("No product has the UPC or id “%(value)s”."), params={"value": value}
            )
        return product

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if not kind or self.errors:
            return cleaned
        try:
            self.params = rules.clean_params(kind, cleaned)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned

    def save(self, commit=True):
        self.instance.params = self.params
        return super().save(commit=commit)


class BaseRuleFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("kind")
        ]
        if not kept:
            raise ValidationError(_("A rule-based segment needs at least one condition."))

    def save(self, commit=True):
        saved = super().save(commit=commit)
        position = 0
        for form in self.forms:
            if form.instance.pk and not (form.cleaned_data or {}).get("DELETE"):
                if form.instance.position != position:
                    SegmentRule.objects.filter(pk=form.instance.pk).update(position=position)
                position += 1
        return saved

    def rules(self) -> list[tuple[str, dict]]:
        """(kind, params) of the conditions kept, for a preview without saving."""
        return [
            (form.cleaned_data["kind"], form.params)
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("kind")
        ]


RuleFormSet = inlineformset_factory(
    Segment,
    SegmentRule,
    form=SegmentRuleForm,
    formset=BaseRuleFormSet,
    extra=2,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


class SiteSettingsForm(forms.ModelForm):
    """The owner's switches and main settings of one site."""

    recommendations_include_purchased = forms.TypedChoiceField(
        label=_("'Recommended for you' may list products the customer bought"),
        choices=[
            ("", _("As configured (ECRM_RECOMMENDATION_INCLUDE_PURCHASED)")),
            ("1", _("Yes")),
            ("0", _("No")),
        ],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )

    class Meta:
        model = SiteSettings
        fields = [
            "tracking_enabled",
            "customers_enabled",
            "recommendations_enabled",
            "loyalty_enabled",
            "automation_enabled",
            "help_assistant_enabled",
            "tracking_mode",
            "tracking_retention_days",
            "recommendations_include_purchased",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.recommendations_include_purchased
        self.initial["recommendations_include_purchased"] = (
            "" if current is None else ("1" if current else "0")
        )
        self.fields["tracking_retention_days"].widget.attrs["min"] = 1

    def clean_tracking_retention_days(self):
        days = self.cleaned_data.get("tracking_retention_days")
        if days is not None and days < 1:
            raise forms.ValidationError(_("Keep events for at least one day, or leave empty."))
        return days


class KpiPeriodForm(forms.Form):
    """The KPI overview's period: a preset, or custom first and last days (included)."""

    PRESETS = [
        ("7", _("Last 7 days")),
        ("30", _("Last 30 days")),
        ("90", _("Last 90 days")),
        ("365", _("Last 365 days")),
        ("all", _("All history")),
        ("custom", _("Custom dates")),
    ]
    preset = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        preset = data.get("preset") or ("custom" if data.get("start") else "30")
        data["preset"] = preset
        if preset == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None:
                raise ValidationError(_("Choose the first day of the period."))
            if end is not None and end < start:
                raise ValidationError(_("The period ends before it starts."))
        return data
