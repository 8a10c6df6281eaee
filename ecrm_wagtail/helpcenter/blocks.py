"""StreamField blocks of help articles.

These classes are public API: a project's migrations freeze their import paths
(``ecrm_wagtail.helpcenter.blocks.CalloutBlock`` ...) and child block names, so they are
only ever extended with optional children, never renamed or moved.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class ProductChooserBlock(blocks.ChooserBlock):
    """Choose an Oscar product (catalogue.Product) in the Wagtail editor.

    Uses the chooser modal registered in ``wagtail_hooks`` (``ProductChooserViewSet``); a
    product deleted later renders as nothing instead of an error.
    """

    target_model = "catalogue.Product"

    @cached_property
    def widget(self):
        from ecrm_wagtail.helpcenter.choosers import product_chooser_viewset

        return product_chooser_viewset.widget_class()

    class Meta:
        icon = "pick"


class CalloutBlock(blocks.StructBlock):
    """A highlighted note: a tip, important information or a warning."""

    kind = blocks.ChoiceBlock(
        choices=[("info", _("Information")), ("tip", _("Tip")), ("warning", _("Warning"))],
        default="info",
        label=_("kind"),
    )
    title = blocks.CharBlock(required=False, max_length=120, label=_("title"))
    text = blocks.RichTextBlock(features=["bold", "italic", "link"], label=_("text"))

    class Meta:
        icon = "warning"
        template = "ecrm/helpcenter/blocks/callout.html"
        label = _("Callout")


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=160, label=_("step"))
    text = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link", "ul"], label=_("details")
    )
    image = ImageChooserBlock(required=False, label=_("screenshot"))

    class Meta:
        icon = "list-ol"


class StepsBlock(blocks.StructBlock):
    """Numbered instructions (rendered as an ordered list)."""

    title = blocks.CharBlock(required=False, max_length=160, label=_("heading"))
    steps = blocks.ListBlock(StepBlock(), min_num=1, label=_("steps"))

    class Meta:
        icon = "list-ol"
        template = "ecrm/helpcenter/blocks/steps.html"
        label = _("Numbered steps")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(required=False, max_length=200, label=_("alternative text"))
    caption = blocks.CharBlock(required=False, max_length=250, label=_("caption"))

    class Meta:
        icon = "image"
        template = "ecrm/helpcenter/blocks/image.html"
        label = _("Image")


class VideoBlock(blocks.StructBlock):
    """A video (or any oEmbed resource) through Wagtail's embeds."""

    video = EmbedBlock(label=_("video URL"))
    caption = blocks.CharBlock(required=False, max_length=250, label=_("caption"))

    class Meta:
        icon = "media"
        template = "ecrm/helpcenter/blocks/video.html"
        label = _("Video")


class QuestionAnswerBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=250, label=_("question"))
    answer = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "help"


class FAQBlock(blocks.StructBlock):
    """Questions and answers; every FAQ block of an article feeds its FAQPage JSON-LD."""

    title = blocks.CharBlock(required=False, max_length=160, label=_("heading"))
    items = blocks.ListBlock(QuestionAnswerBlock(), min_num=1, label=_("questions"))

    class Meta:
        icon = "help"
        template = "ecrm/helpcenter/blocks/faq.html"
        label = _("FAQ")


class ProductReferenceBlock(blocks.StructBlock):
    """A product of the shop mentioned by the article (e.g. the gift box a guide is about)."""

    product = ProductChooserBlock(label=_("product"))
    note = blocks.CharBlock(required=False, max_length=200, label=_("note"))

    class Meta:
        icon = "pick"
        template = "ecrm/helpcenter/blocks/product.html"
        label = _("Product")


def article_body_blocks() -> list[tuple[str, blocks.Block]]:
    """The block types of ``HelpArticlePage.body`` (names are stored in the page JSON)."""
    return [
        ("text", blocks.RichTextBlock(features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])),
        ("steps", StepsBlock()),
        ("callout", CalloutBlock()),
        ("image", ImageBlock()),
        ("video", VideoBlock()),
        ("faq", FAQBlock()),
        ("product", ProductReferenceBlock()),
    ]


def richtext_to_text(value) -> str:
    """Plain text of a RichText value or HTML string (for passages, snippets, JSON-LD)."""
    source = getattr(value, "source", value) or ""
    text = strip_tags(str(source).replace("</p>", "</p>\n").replace("<br/>", "\n"))
    from html import unescape

    return unescape(text).strip()
