"""The demo shop's Wagtail home page: editors own the shop's front page at "/"."""

from __future__ import annotations

from oscar.core.loading import get_model
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from ecrm_wagtail.blocks.blocks import RecommendationsBlock, SegmentContentBlock
from ecrm_wagtail.loyalty_blocks import LoyaltyBalanceBlock


class HomePage(Page):
    """The shop's home page, rendered inside Oscar's layout with its category tree."""

    intro = RichTextField(blank=True)
    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title")),
            ("paragraph", blocks.RichTextBlock()),
            # shown only to chosen segments / new / returning visitors (docs/blocks.md)
            ("personalised", SegmentContentBlock()),
            # "recommended for you" (or any strategy), fetched per visitor (docs/blocks.md)
            ("recommendations", RecommendationsBlock()),
            # the visitor's points and tier, from an endpoint (docs/loyalty.md)
            ("loyalty", LoyaltyBalanceBlock()),
        ],
        blank=True,
        use_json_field=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    max_count = 1
    template = "demo/home_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        Category = get_model("catalogue", "Category")
        context["top_categories"] = Category.get_root_nodes().filter(is_public=True)
        return context
