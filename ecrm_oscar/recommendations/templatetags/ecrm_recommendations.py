"""``{% load ecrm_recommendations %}`` — server-rendered, non-personal recommendation lists.

``{% ecrm_also_bought product %}`` on a product page, ``{% ecrm_trending category %}``
on a category page. Personal lists ("recommended for you") come from an endpoint so the
page around them stays cacheable.
"""

from django import template

from ecrm_oscar.recommendations import services

register = template.Library()


@register.inclusion_tag("ecrm/recommendations/list.html", takes_context=True)
def ecrm_also_bought(context, product, limit=6, title=None):
    request = context.get("request")
    return {
        "products": services.also_bought(product, limit, request),
        "title": title,
        "placement": "product",
        "strategy": "also_bought",
        "request": request,
    }


@register.inclusion_tag("ecrm/recommendations/list.html", takes_context=True)
def ecrm_trending(context, category=None, limit=6, title=None):
    request = context.get("request")
    return {
        "products": services.trending(category, limit, request),
        "title": title,
        "placement": "category" if category is not None else "page",
        "strategy": "trending",
        "category": category,
        "request": request,
    }


@register.inclusion_tag("ecrm/recommendations/list.html", takes_context=True)
def ecrm_complete_order(context, basket, limit=6, title=None):
    """ "Complete your order" on the basket page (the basket page is never cached)."""
    request = context.get("request")
    return {
        "products": services.complete_order(basket, limit, request),
        "title": title,
        "placement": "basket",
        "strategy": "complete_order",
        "request": request,
    }


@register.inclusion_tag("ecrm/recommendations/placeholder.html")
def ecrm_recommended_for_you(limit=6, title=""):
    """A placeholder that loads the shopper's own list from the endpoint, so the page
    around it can be cached for everyone."""
    return {"placement": "for-you", "limit": limit, "title": title}
