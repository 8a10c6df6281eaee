"""The recommendations fragment endpoint: personal lists rendered apart from cached pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie
from oscar.core.loading import get_model

from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.recommendations import registry, services

Category = get_model("catalogue", "Category")

#: URL slug -> (placement, forced strategy). ``for-you`` and ``trending`` are the
#: historical slugs (home page's placement; trending whatever the owner chose).
PLACEMENTS = {
    "home": ("home", None),
    "account": ("account", None),
    "wagtail": ("wagtail", None),
    "category": ("category", None),
    "for-you": ("home", None),
    "trending": ("category", "trending"),
}


@require_GET
@vary_on_cookie
@cache_control(private=True, max_age=60)
def fragment(request: HttpRequest, placement: str) -> HttpResponse:
    """``GET /ecrm/recommendations/<placement>/?limit=6[&category=<id>][&strategy=<name>]``.

    An HTML list for the shopper: the strategy the owner chose for the placement (or a
    registered ``strategy``). Bad ids, strategies and limits never give an error page.
    """
    if placement not in PLACEMENTS or not capability_on("recommendations", request):
        raise Http404("unknown placement or recommendations switched off")
    name, forced = PLACEMENTS[placement]
    requested = request.GET.get("strategy", "")
    if registry.get(requested) is not None:
        forced = requested
    category = None
    category_id = request.GET.get("category", "")
    if category_id.isdigit() and len(category_id) < 12:
        category = Category.objects.filter(pk=int(category_id), is_public=True).first()
    products = services.recommend(
        name,
        request=request,
        category=category,
        limit=request.GET.get("limit", 6),
        strategy=forced,
    )
    # Rendered without the project's context processors (Oscar's build a search form and
    # count notifications on every request): the fragment needs none of them.
    html = render_to_string(
        "ecrm/recommendations/list.html",
        {
            "products": products,
            "strategy": products.strategy,
            "placement": name,
            "category": category,
            "title": request.GET.get("title", "")[:80] or None,
            "for_you": products.configured == "personal",
            "request": request,
        },
    )
    return HttpResponse(html)
