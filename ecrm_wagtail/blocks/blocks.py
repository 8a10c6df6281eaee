"""``SegmentContentBlock``: content only chosen segments (or new / returning visitors) see.

Stable import path: ``ecrm_wagtail.blocks.blocks.SegmentContentBlock`` (migrations of
the pages that use it refer to it). The page itself renders only an empty, hidden
placeholder, so it can be cached and served to everyone; a small static script asks
``/ecrm/blocks/segment-content/`` which blocks this visitor sees and fills them in.
With JavaScript off nothing personal is ever in the page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks


def segment_choices() -> list[tuple[str, str]]:
    """Every segment (inactive ones marked), read when the editor opens the page."""
    try:
        from ecrm_oscar.customers.models import Segment

        return [
            (slug, name if active else f"{name} ({_('inactive')})")
            for slug, name, active in Segment.objects.order_by("kind", "name").values_list(
                "slug", "name", "active"
            )
        ]
    except Exception:  # e.g. before the customers app's migrations ran
        return []


class Audience:
    SEGMENTS = "segments"
    NEW = "new"
    RETURNING = "returning"
    CHOICES = [
        (SEGMENTS, _("Customers in the chosen segments")),
        (NEW, _("New visitors")),
        (RETURNING, _("Returning visitors")),
    ]


class SegmentContentBlock(blocks.StructBlock):
    audience = blocks.ChoiceBlock(
        choices=Audience.CHOICES,
        default=Audience.SEGMENTS,
        label=_("Show to"),
        help_text=_(
            "Returning: logged-in customers, or visitors first seen more than 30 minutes "
            "ago. New: everyone else."
        ),
    )
    segments = blocks.MultipleChoiceBlock(
        choices=segment_choices,
        required=False,
        label=_("Segments"),
        help_text=_("Shown to members of any of these (when showing to segments)."),
    )
    greeting = blocks.BooleanBlock(
        required=False,
        label=_("Greet logged-in returning customers"),
        help_text=_("Starts the content with the greeting below for logged-in customers."),
    )
    greeting_text = blocks.CharBlock(
        required=False,
        max_length=120,
        default="Welcome back, {name}!",
        label=_("Greeting"),
        help_text=_("{name} is replaced by the customer's first name."),
    )
    content = blocks.RichTextBlock(label=_("Content"), required=False)

    class Meta:
        template = "ecrm/blocks/segment_content.html"
        icon = "group"
        label = _("Personalised content")
        help_text = _(
            "Shown only to the chosen audience. The page stays cacheable: the content is "
            "fetched for each visitor by a small script."
        )

    def clean(self, value):
        value = super().clean(value)
        if value.get("audience") == Audience.SEGMENTS and not value.get("segments"):
            raise blocks.StructBlockValidationError(
                block_errors={"segments": ValidationError(_("Choose at least one segment."))}
            )
        return value


def recommendation_strategy_choices() -> list[tuple[str, str]]:
    """The registered strategies (ecrm_oscar.recommendations.registry), read when the
    editor opens the page; "" follows the owner's choice for Wagtail pages."""
    choices = [("", str(_("The shop's choice for Wagtail pages (dashboard)")))]
    try:
        from ecrm_oscar.recommendations import registry

        choices += [(name, str(label)) for name, label in registry.choices("wagtail")]
    except Exception:  # the recommendations app is not installed
        pass
    return choices


class RecommendationsBlock(blocks.StructBlock):
    """Recommended products for the visitor, fetched from ``/ecrm/recommendations/wagtail/``.

    Stable import path: ``ecrm_wagtail.blocks.blocks.RecommendationsBlock``. The page only
    holds an empty slot, so it stays cacheable for everyone; needs the
    ``ecrm_oscar.recommendations`` app.
    """

    heading = blocks.CharBlock(
        required=False,
        max_length=80,
        label=_("Heading"),
        help_text=_("Empty: the strategy's own title, e.g. “Recommended for you”."),
    )
    strategy = blocks.ChoiceBlock(
        choices=recommendation_strategy_choices,
        required=False,
        default="",
        label=_("Strategy"),
    )
    limit = blocks.IntegerBlock(default=6, min_value=1, max_value=20, label=_("Number of products"))

    class Meta:
        template = "ecrm/blocks/recommendations.html"
        icon = "pick"
        label = _("Recommendations")
        help_text = _(
            "Products recommended to each visitor. The page stays cacheable: the list is "
            "fetched for each visitor by a small script."
        )
