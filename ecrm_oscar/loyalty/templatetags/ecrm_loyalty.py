"""``{% load ecrm_loyalty %}``: placeholders for the personal loyalty pieces.

They render no personal data: the browser fetches the fragment (``fragments.js``), so a
page carrying them can be cached for everybody.
"""

import secrets

from django import template
from django.urls import reverse

from ecrm_oscar.dashboard.switches import capability_on

register = template.Library()


@register.inclusion_tag("ecrm/loyalty/partials/badge_placeholder.html")
def loyalty_badge():
    """The header's points balance and tier (nothing while loyalty is switched off)."""
    if not capability_on("loyalty"):
        return {"off": True}
    return {"url": reverse("ecrm:loyalty-badge"), "account_url": reverse("ecrm:loyalty-account")}


@register.inclusion_tag("ecrm/loyalty/partials/account_tab.html", takes_context=True)
def loyalty_account_tab(context):
    """The "Loyalty points" tab of Oscar's account pages (``standard_tabs`` block)."""
    if not capability_on("loyalty"):
        return {"off": True}
    return {
        "active": context.get("active_tab") == "loyalty",
        "url": reverse("ecrm:loyalty-account"),
    }


@register.filter
def signed_points(value):
    """A change of points with its sign: 1200 → "+1,200", -800 → "-800"."""
    try:
        return f"{int(value):+,}"
    except (TypeError, ValueError):
        return value


@register.filter
def points(value):
    """A points figure with thousands separators: 12345 → "12,345"."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.inclusion_tag("ecrm/loyalty/partials/redeem_form.html", takes_context=True)
def loyalty_redeem_form(context, next_url=""):
    """The checkout's "pay with points" form for the current basket (nothing for guests,
    empty baskets, or shoppers without enough points)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    basket = getattr(request, "basket", None)
    if user is None or not user.is_authenticated or basket is None or basket.is_empty:
        return {"show": False}
    if not capability_on("loyalty", request):
        return {"show": False}
    from ecrm_oscar.loyalty.models import LoyaltyAccount
    from ecrm_oscar.loyalty.redemption import options

    choice = options(user, basket)
    if not choice.can_redeem and choice.reservation is None:
        return {"show": False}
    account_id = LoyaltyAccount.objects.filter(user=user).values_list("pk", flat=True).first()
    return {
        "show": True,
        "options": choice,
        "basket_id": basket.id,
        "account_id": account_id or "",
        "nonce": secrets.token_urlsafe(12),
        "next": next_url or request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
