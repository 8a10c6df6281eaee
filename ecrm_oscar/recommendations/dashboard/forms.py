"""Forms of the recommendations' dashboard pages."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model

from ecrm_oscar.recommendations import registry
from ecrm_oscar.recommendations.models import Exclusion, Pin, PlacementSetting

ProductSelect = get_class("dashboard.catalogue.widgets", "ProductSelect")
Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")


def _product_field(label, required=True, help_text=""):
    return forms.ModelChoiceField(
        queryset=Product.objects.all(),
        widget=ProductSelect,
        label=label,
        required=required,
        help_text=help_text,
    )


def _category_field(label, help_text=""):
    return forms.ModelChoiceField(
        queryset=Category.objects.order_by("path"), label=label, required=False, help_text=help_text
    )


class PlacementSettingForm(forms.ModelForm):
    strategy = forms.ChoiceField(label=_("Strategy"))

    class Meta:
        model = PlacementSetting
        fields = ["strategy", "enabled", "include_purchased", "limit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = registry.choices(self.instance.placement)
        self.fields["limit"].widget.attrs.update({"min": 1, "max": 50})

    def clean_limit(self):
        limit = self.cleaned_data.get("limit")
        if limit is not None and not 1 <= limit <= 50:
            raise forms.ValidationError(_("Between 1 and 50 products."))
        return limit


class ExclusionForm(forms.ModelForm):
    product = _product_field(_("Product"), required=False)
    category = _category_field(
        _("Category"), _("Every product in this category and its subcategories.")
    )

    class Meta:
        model = Exclusion
        fields = ["product", "category", "note"]

    def clean(self):
        data = super().clean()
        if not data.get("product") and not data.get("category"):
            raise forms.ValidationError(_("Choose a product or a category to exclude."))
        return data


class PinForm(forms.ModelForm):
    product = _product_field(_("Product"))
    for_product = _product_field(
        _("Only for product"),
        required=False,
        help_text=_("Only on this product's page (or a basket holding it)."),
    )
    for_category = _category_field(
        _("Only for category"),
        _("Only on this category's pages (and its subcategories') and its products' pages."),
    )

    class Meta:
        model = Pin
        fields = ["placement", "product", "position", "for_product", "for_category"]

    def clean_position(self):
        position = self.cleaned_data.get("position")
        if position is not None and not 1 <= position <= 50:
            raise forms.ValidationError(_("Between 1 and 50."))
        return position

    def clean(self):
        data = super().clean()
        if data.get("for_product") and data.get("for_category"):
            raise forms.ValidationError(_("Choose a product or a category, not both."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To (included)"), required=False)

    def period(self) -> tuple[date, date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            start, end = end, start
        return start, end
