"""Read side of recommendations: stored lists filtered to what the shopper can buy.

Two queries per list (rows joined to products, then their stock records) and none
when cached; unavailable, deleted or non-public products are skipped at read time, so a
stale row never shows something that cannot be bought.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oscar.core.loading import get_class

from ecrm_oscar.recommendations.models import Recommendation
from ecrm_oscar.recommendations.training import ALSO_BOUGHT, PERSONAL, TRENDING

Selector = get_class("partner.strategy", "Selector")

MAX_LIMIT = 50


def _clamp(limit: Any, default: int = 6) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError):
        return default
    return max(0, min(value, MAX_LIMIT))


def stored_list(
    strategy: str,
    subject: str,
    limit: int = 6,
    exclude_ids: Iterable[int] = (),
    request: Any = None,
) -> list[Any]:
    """Up to ``limit`` buyable products of one stored list, best first."""
    limit = _clamp(limit)
    if not limit:
        return []
    excluded = set(exclude_ids)
    rows = (
        Recommendation.objects.filter(strategy=strategy, subject=subject)
        .select_related("product", "product__product_class", "product__parent")
        .prefetch_related("product__stockrecords")
        .order_by("rank")[: limit + len(excluded) + MAX_LIMIT]
    )
    candidates = (row.product for row in rows if row.product_id not in excluded)
    return _buyable(candidates, strategy, limit, request)


def also_bought(product: Any, limit: int = 6, request: Any = None) -> list[Any]:
    """ "Customers who bought this also bought"."""
    if product is None or getattr(product, "pk", None) is None:
        return []
    return stored_list(ALSO_BOUGHT, f"product:{product.pk}", limit, [product.pk], request)


def trending(category: Any = None, limit: int = 6, request: Any = None) -> list[Any]:
    """Trending overall, or in ``category``."""
    subject = f"category:{category.pk}" if category is not None else "all"
    return stored_list(TRENDING, subject, limit, (), request)


def for_user(user: Any, limit: int = 6, request: Any = None) -> list[Any]:
    """ "Recommended for you"; trending for visitors with no history."""
    if user is not None and getattr(user, "is_authenticated", False):
        products = stored_list(PERSONAL, f"user:{user.pk}", limit, (), request)
        if products:
            return products
    return trending(limit=limit, request=request)


def complete_order(basket: Any, limit: int = 6, request: Any = None) -> list[Any]:
    """ "Complete your order": the also-bought lists of the basket's products, summed."""
    limit = _clamp(limit)
    if basket is None or not limit or not getattr(basket, "id", None):
        return []
    in_basket = {line.product_id for line in basket.all_lines() if line.product_id}
    if not in_basket:
        return []
    rows = (
        Recommendation.objects.filter(
            strategy=ALSO_BOUGHT, subject__in=[f"product:{pk}" for pk in in_basket]
        )
        .exclude(product_id__in=in_basket)
        .select_related("product", "product__product_class", "product__parent")
        .prefetch_related("product__stockrecords")
    )
    totals: dict[int, float] = {}
    products: dict[int, Any] = {}
    for row in rows:
        totals[row.product_id] = totals.get(row.product_id, 0.0) + row.score
        products[row.product_id] = row.product
    ranked = sorted(totals, key=lambda pk: (-totals[pk], pk))
    return _buyable([products[pk] for pk in ranked], "complete_order", limit, request)


def _buyable(candidates: Iterable[Any], strategy: str, limit: int, request: Any) -> list[Any]:
    if request is not None and not hasattr(request, "user"):
        request = None  # a bare request (no auth middleware): price for an anonymous shopper
    purchase_strategy = Selector().strategy(request=request, user=getattr(request, "user", None))
    chosen = []
    for product in candidates:
        if not product.is_public:
            continue
        if not purchase_strategy.fetch_for_product(product).availability.is_available_to_buy:
            continue
        product.ecrm_strategy = strategy
        chosen.append(product)
        if len(chosen) == limit:
            break
    return chosen
