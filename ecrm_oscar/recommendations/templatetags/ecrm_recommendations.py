"""``{% load ecrm_recommendations %}`` — server-rendered, non-personal recommendation lists.

Each tag serves a placement with the strategy the owner chose for it in the dashboard
(defaults: also-bought on product pages, complete-your-order on the basket, trending on
category pages). Personal lists ("recommended for you", "recently viewed") come from an
endpoint (``ecrm_recommended_for_you``) so the page around them stays cacheable.
"""

from django import template

from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.recommendations import services

register = template.Library()

LIST_TEMPLATE = "ecrm/recommendations/list.html"


def _render(context, placement, title, **kwargs):
    request = context.get("request")
    products = services.recommend(placement, request=request, **kwargs)
    return {
        "products": products,
        "title": title,
        "placement": placement,
        "strategy": products.strategy,
        "for_you": products.configured == "personal",
        "category": kwargs.get("category"),
        "request": request,
    }


@register.inclusion_tag(LIST_TEMPLATE, takes_context=True)
def ecrm_also_bought(context, product, limit=6, title=None):
    """The product page's list ("customers who bought this also bought" by default)."""
    return _render(context, "product", title, product=product, limit=limit)


@register.inclusion_tag(LIST_TEMPLATE, takes_context=True)
def ecrm_trending(context, category=None, limit=6, title=None):
    """A category page's list ("trending in <category>" by default); without a category,
    trending overall."""
    if category is None:
        return _render(context, "home", title, limit=limit, strategy="trending")
    return _render(context, "category", title, category=category, limit=limit)


@register.inclusion_tag(LIST_TEMPLATE, takes_context=True)
def ecrm_complete_order(context, basket, limit=6, title=None):
    """ "Complete your order" on the basket page (the basket page is never cached)."""
    return _render(context, "basket", title, basket=basket, limit=limit)


@register.inclusion_tag(LIST_TEMPLATE, takes_context=True)
def ecrm_recommendations(
    context, placement, product=None, category=None, basket=None, limit=6, title=None
):
    """Any placement, server-rendered: ``{% ecrm_recommendations "category" category=category %}``.

    Only for pages that are not cached for everyone (or lists that are not personal)."""
    return _render(
        context, placement, title, product=product, category=category, basket=basket, limit=limit
    )


@register.inclusion_tag("ecrm/recommendations/placeholder.html")
def ecrm_recommended_for_you(limit=6, title="", placement="home", strategy="", category=None):
    """A placeholder that loads the shopper's own list from the endpoint, so the page
    around it can be cached for everyone. ``placement``: home, account, wagtail or
    category (the owner's strategy for it); ``strategy`` forces a registered one;
    ``category`` (a category page's) narrows trending to it."""
    if not capability_on("recommendations"):
        return {"off": True}
    return {
        "placement": placement,
        "limit": limit,
        "title": title,
        "strategy": strategy,
        "category_id": getattr(category, "pk", None),
    }
