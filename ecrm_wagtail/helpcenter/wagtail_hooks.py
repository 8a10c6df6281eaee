"""Wagtail admin integration of the help center: product chooser, synonyms snippet."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from ecrm_wagtail.helpcenter.choosers import product_chooser_viewset
from ecrm_wagtail.helpcenter.models import HelpSynonym


@hooks.register("register_admin_viewset")
def register_product_chooser():
    return product_chooser_viewset


class HelpSynonymViewSet(SnippetViewSet):
    model = HelpSynonym
    icon = "search"
    menu_label = _("Help synonyms")
    list_display = ["terms", "language"]
    search_fields = ["terms"]
    add_to_admin_menu = False


register_snippet(HelpSynonymViewSet)
