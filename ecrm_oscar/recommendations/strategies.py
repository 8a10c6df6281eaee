"""The built-in strategies, registered in ``registry`` when the app is ready.

| name | source |
|---|---|
| ``also_bought`` | the product's stored "also bought" list (product pages) |
| ``complete_order`` | the basket items' also-bought lists, scores summed |
| ``personal`` | the shopper's stored list, filled up with trending (new visitors: trending) |
| ``trending`` | trending in the page's category (and its subcategories), else overall |
| ``recently_viewed`` | the products this visitor or customer viewed last (tracking events) |
"""

from __future__ import annotations

from django.apps import apps
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ecrm_oscar.recommendations import registry
from ecrm_oscar.recommendations.models import Recommendation
from ecrm_oscar.recommendations.registry import Context, Ranked, Source, Stored
from ecrm_oscar.recommendations.training import ALSO_BOUGHT, PERSONAL, TRENDING

RECENTLY_VIEWED = "recently_viewed"
COMPLETE_ORDER = "complete_order"

#: Subcategories whose trending lists a category page also reads.
MAX_SUBCATEGORIES = 30
#: Distinct recently viewed products kept per visitor.
RECENTLY_VIEWED_KEPT = 50
RECENTLY_VIEWED_SECONDS = 24 * 3600


def also_bought(context: Context) -> Source:
    product = context.product
    if product is None or getattr(product, "pk", None) is None:
        return Source()
    return Source([Stored(ALSO_BOUGHT, f"product:{product.pk}")], exclude=(product.pk,))


def _basket_products(basket) -> list[int]:
    if basket is None or not getattr(basket, "id", None):
        return []
    return sorted({line.product_id for line in basket.all_lines() if line.product_id})


def complete_order(context: Context) -> Source:
    """The basket items' also-bought lists, summed (one query on the stored rows)."""
    in_basket = _basket_products(context.basket)
    if not in_basket:
        if context.product is not None:  # e.g. chosen for a product page
            return also_bought(context)
        return Source()
    totals: dict[int, float] = {}
    rows = Recommendation.objects.filter(
        strategy=ALSO_BOUGHT, subject__in=[f"product:{pk}" for pk in in_basket]
    ).values_list("product_id", "score")
    for product_id, score in rows:
        totals[product_id] = totals.get(product_id, 0.0) + score
    ranked = sorted(totals, key=lambda pk: (-totals[pk], pk))
    return Source([Ranked(tuple(ranked))], exclude=tuple(in_basket))


def personal(context: Context) -> Source:
    user = context.user
    if user is not None and getattr(user, "is_authenticated", False):
        return Source([Stored(PERSONAL, f"user:{user.pk}"), Stored(TRENDING, "all")])
    return Source([Stored(TRENDING, "all")])


def _subcategory_ids(category) -> list[int]:
    """Descendants by materialised path (not ``get_descendants``: it trusts the
    instance's possibly stale ``numchild``)."""
    path = getattr(category, "path", None)
    if not path:
        return []
    from ecrm_oscar.recommendations.services import generation

    key = f"ecrm:recs:subcategories:{generation()}:{category.pk}"
    ids = cache.get(key)
    if ids is None:  # category saves change the generation
        Category = get_model("catalogue", "Category")
        descendants = Category.objects.filter(path__startswith=path, depth__gt=category.depth)
        ids = list(descendants.order_by("path").values_list("pk", flat=True)[:MAX_SUBCATEGORIES])
        cache.set(key, ids, 24 * 3600)
    return ids


def trending(context: Context) -> Source:
    category = context.category
    if category is not None and getattr(category, "pk", None) is not None:
        ids = [category.pk, *_subcategory_ids(category)]
        return Source([Stored(TRENDING, f"category:{pk}") for pk in ids])
    exclude = (context.product.pk,) if getattr(context.product, "pk", None) else ()
    return Source([Stored(TRENDING, "all")], exclude=exclude)


def recently_viewed_key(identity: str) -> str:
    return f"ecrm:recs:rv:{identity}"


def recently_viewed_ids(context: Context) -> list[int]:
    """Products the shopper viewed, newest first: cached per shopper, one indexed query
    on a miss (tracking's ``events_recorded`` receiver retires the entry on a new view)."""
    identity = context.identity
    if not identity or not apps.is_installed("ecrm_oscar.tracking"):
        return []
    key = recently_viewed_key(identity)
    ids = cache.get(key)
    if ids is None:
        from ecrm_oscar.tracking.event_types import PRODUCT_VIEWED

        Event = get_model("ecrm_tracking", "Event")
        events = Event.objects.filter(type=PRODUCT_VIEWED, product__isnull=False)
        if identity.startswith("user:"):
            events = events.filter(user_id=context.user.pk)
        else:
            events = events.filter(visitor_id=context.visitor_id)
        ids = []
        seen = set()
        for product_id in events.order_by("-created_at").values_list("product_id", flat=True)[
            : RECENTLY_VIEWED_KEPT * 4
        ]:
            if product_id not in seen:
                seen.add(product_id)
                ids.append(product_id)
                if len(ids) == RECENTLY_VIEWED_KEPT:
                    break
        cache.set(key, ids, RECENTLY_VIEWED_SECONDS)
    return ids


def recently_viewed(context: Context) -> Source:
    current = getattr(context.product, "pk", None)
    ids = tuple(pk for pk in recently_viewed_ids(context) if pk != current)
    return Source([Ranked(ids)], exclude=(current,) if current else ())


def register_builtins() -> None:
    registry.register(
        ALSO_BOUGHT, _("Customers who bought this also bought"), also_bought, ("product",)
    )
    registry.register(
        COMPLETE_ORDER, _("Complete your order (basket items' also-bought)"), complete_order
    )
    registry.register(PERSONAL, _("Recommended for you (own history)"), personal)
    registry.register(TRENDING, _("Trending (in the category, else overall)"), trending)
    registry.register(RECENTLY_VIEWED, _("Recently viewed"), recently_viewed)
