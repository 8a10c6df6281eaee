"""The Wagtail chooser modal for Oscar products (used by ``blocks.ProductChooserBlock``).

Oscar's Product is not a Wagtail snippet (it belongs to Oscar's dashboard); the chooser only
lists and searches it, by title or UPC, with the database (no Wagtail index needed).
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet


class ProductFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Title or UPC")}),
        required=False,
        max_length=100,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = self.cleaned_data.get("q")
        if query:
            objects = objects.filter(Q(title__icontains=query) | Q(upc__iexact=query))
            self.is_searching = True
            self.search_query = query
        return objects


class _ProductSearch:
    filter_form_class = ProductFilterForm
    per_page = 20

    def get_object_list(self):
        return super().get_object_list().filter(is_public=True).order_by("title")


class ProductChooseView(_ProductSearch, ChooseView):
    pass


class ProductChooseResultsView(_ProductSearch, ChooseResultsView):
    pass


class ProductChooserViewSet(ChooserViewSet):
    model = "catalogue.Product"
    icon = "pick"
    choose_one_text = _("Choose a product")
    choose_another_text = _("Choose another product")
    choose_view_class = ProductChooseView
    choose_results_view_class = ProductChooseResultsView


product_chooser_viewset = ProductChooserViewSet("ecrm_product_chooser")
