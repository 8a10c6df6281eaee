"""The recommendations fragment endpoint: personal lists rendered apart from cached pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie
from oscar.core.loading import get_model

from ecrm_oscar.recommendations import services

Category = get_model("catalogue", "Category")

PLACEMENTS = ("for-you", "trending")


@require_GET
@vary_on_cookie
@cache_control(private=True, max_age=60)
def fragment(request: HttpRequest, placement: str) -> HttpResponse:
    """``GET /ecrm/recommendations/<placement>/?limit=6[&category=<id>]`` → an HTML list.

    ``for-you`` is the shopper's own list (trending for new visitors); ``trending``
    optionally narrows to a category. Bad ids and limits never give an error page.
    """
    if placement not in PLACEMENTS:
        raise Http404("unknown placement")
    limit = request.GET.get("limit", 6)
    category = None
    if placement == "trending" and request.GET.get("category", "").isdigit():
        category = Category.objects.filter(pk=int(request.GET["category"])).first()
    if placement == "for-you":
        products = services.for_user(request.user, limit, request)
        strategy = products[0].ecrm_strategy if products else "personal"
        title = request.GET.get("title", "")[:80] or None
    else:
        products = services.trending(category, limit, request)
        strategy = "trending"
        title = None
    return render(
        request,
        "ecrm/recommendations/list.html",
        {
            "products": products,
            "strategy": strategy,
            "placement": placement,
            "category": category,
            "title": title,
            "for_you": placement == "for-you",
        },
    )
