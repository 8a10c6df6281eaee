"""``{% load ecrm_loyalty %}``: placeholders for the personal loyalty pieces.

They render no personal data: the browser fetches the fragment (``fragments.js``), so a
page carrying them can be cached for everybody.
"""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("ecrm/loyalty/partials/badge_placeholder.html")
def loyalty_badge():
    """The header's points balance and tier."""
    return {"url": reverse("ecrm:loyalty-badge"), "account_url": reverse("ecrm:loyalty-account")}


@register.inclusion_tag("ecrm/loyalty/partials/account_tab.html", takes_context=True)
def loyalty_account_tab(context):
    """The "Loyalty points" tab of Oscar's account pages (``standard_tabs`` block)."""
    return {
        "active": context.get("active_tab") == "loyalty",
        "url": reverse("ecrm:loyalty-account"),
    }


@register.filter
def points(value):
    """A points figure with thousands separators: 12345 → "12,345"."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
