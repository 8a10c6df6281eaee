"""A StreamField block showing the visitor's loyalty balance on any Wagtail page.

Its definition is public API (host projects freeze blocks into their migrations), so the
module path and field names stay stable. The block renders no personal data: it is a
placeholder that ``fragments.js`` fills from ``/ecrm/loyalty/widget/``, so pages using it
stay cacheable for everybody::

    from ecrm_wagtail.loyalty_blocks import LoyaltyBalanceBlock

    body = StreamField([..., ("loyalty", LoyaltyBalanceBlock())])
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class LoyaltyBalanceBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        label=_("Heading"), required=False, max_length=80, default=_("Your rewards")
    )
    show_how_to_earn = blocks.BooleanBlock(
        label=_("Show how to earn points"), required=False, default=True
    )

    class Meta:
        label = _("Loyalty balance")
        icon = "pick"
        template = "ecrm/loyalty/blocks/loyalty_balance.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        query = {"how": "1"} if value.get("show_how_to_earn") else {}
        context["fragment_url"] = reverse("ecrm:loyalty-widget") + (
            f"?{urlencode(query)}" if query else ""
        )
        return context
