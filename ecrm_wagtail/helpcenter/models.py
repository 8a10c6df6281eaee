"""Help center pages. The root page lists its sections; articles arrive as its children."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class HelpCenterPage(Page):
    """The root of a help center (one per site and language), e.g. served at /help/."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    template = "ecrm/helpcenter/help_center_page.html"

    class Meta:
        verbose_name = _("help center")
        verbose_name_plural = _("help centers")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = self.get_children().live().public().specific()
        return context
