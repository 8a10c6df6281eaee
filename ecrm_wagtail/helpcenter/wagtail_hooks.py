"""Wagtail admin integration of the help center: product chooser, synonyms snippet, the
help center report (Reports menu)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from ecrm_wagtail.helpcenter import admin_views
from ecrm_wagtail.helpcenter.admin_views import can_see_reports
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


class HelpReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_reports(request.user)


@hooks.register("register_admin_urls")
def register_report_url():
    return [
        path("reports/help-center/", admin_views.help_center_report, name="ecrm_help_report"),
    ]


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return HelpReportMenuItem(
        _("Help center"), reverse("ecrm_help_report"), icon_name="help", order=800
    )
