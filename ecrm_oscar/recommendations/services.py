"""Read side of recommendations: a placement's list, filtered to what the shopper can buy.

``recommend(placement, ...)`` runs the strategy the owner chose for the placement
(``registry``), then, in one products query plus its stock records (stored lists are read
inside that query, not before it): the owner's pins first, exclusions and (if the owner
says so) already-bought items dropped, products that are not public or not available to
buy under Oscar's strategy skipped, so a stale row never shows something that cannot be
bought. The result is cached per (placement, source, generation); every cache entry is
retired at once when the owner saves a setting, a product or stock record changes, or
training stores new lists (``lists_changed``). Items a shopper was shown repeatedly and
never clicked are then moved down (``feedback``), from a per-shopper cached count.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db.models import F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from ecrm_oscar import conf
from ecrm_oscar.dashboard.switches import capability_on, owner_value
from ecrm_oscar.recommendations import registry
from ecrm_oscar.recommendations.models import (
    Exclusion,
    IncludePurchased,
    Pin,
    PlacementSetting,
    Recommendation,
)
from ecrm_oscar.recommendations.registry import Context, Ranked, Source, Stored
from ecrm_oscar.recommendations.training import ALSO_BOUGHT, TRENDING

Selector = get_class("partner.strategy", "Selector")

MAX_LIMIT = 50
GENERATION_KEY = "ecrm:recs:generation"
FEEDBACK_EVENTS = 1000
FEEDBACK_REBUILD_SECONDS = 24 * 3600


def _clamp(limit: Any, default: int = 6) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError, OverflowError):
        return default
    return max(0, min(value, MAX_LIMIT))


# --- generation: one number retires every cached list and the owner configuration -----


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()  # clock-based: never reuses a number after a cache flush
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY, value)
    return value


def lists_changed() -> None:
    """Retire every cached list and configuration (training, owner settings, catalogue)."""
    cache.set(GENERATION_KEY, time.time_ns(), None)


# --- owner configuration ---------------------------------------------------------------


@dataclass(frozen=True)
class PlacementConfig:
    strategy: str
    enabled: bool = True
    include_purchased: bool | None = None
    limit: int | None = None


@dataclass(frozen=True)
class PinConfig:
    product_id: int
    position: int
    for_product_id: int | None
    categories: frozenset[int] | None  # the pinned category and its subcategories
    category_products: frozenset[int] | None  # products in those categories


@dataclass(frozen=True)
class OwnerConfig:
    placements: dict[str, PlacementConfig] = field(default_factory=dict)
    excluded: frozenset[int] = frozenset()
    pins: dict[str, list[PinConfig]] = field(default_factory=dict)

    def placement(self, name: str) -> PlacementConfig:
        found = self.placements.get(name)
        if found is not None:
            return found
        return PlacementConfig(registry.DEFAULT_STRATEGIES.get(name, TRENDING))


_memo: tuple[int, OwnerConfig] | None = None


def _subtrees(category_ids: set[int]) -> dict[int, set[int]]:
    """Category id -> itself and its descendants (treebeard's materialised path)."""
    if not category_ids:
        return {}
    Category = get_model("catalogue", "Category")
    paths = dict(Category.objects.values_list("pk", "path"))
    return {
        root: {pk for pk, path in paths.items() if path.startswith(paths[root])}
        for root in category_ids
        if root in paths
    }


def _load_config() -> OwnerConfig:
    ProductCategory = get_model("catalogue", "ProductCategory")
    placements = {}
    for row in PlacementSetting.objects.all():
        include = {IncludePurchased.YES: True, IncludePurchased.NO: False}.get(
            row.include_purchased
        )
        placements[row.placement] = PlacementConfig(
            row.strategy, row.enabled, include, row.limit or None
        )
    exclusions = list(Exclusion.objects.values_list("product_id", "category_id"))
    pins = list(
        Pin.objects.order_by("position", "pk").values_list(
            "placement", "product_id", "position", "for_product_id", "for_category_id"
        )
    )
    roots = {c for _, c in exclusions if c} | {p[4] for p in pins if p[4]}
    subtrees = _subtrees(roots)
    members: dict[int, set[int]] = {}
    all_categories = set().union(*subtrees.values()) if subtrees else set()
    if all_categories:
        by_category: dict[int, set[int]] = {}
        for product_id, category_id in ProductCategory.objects.filter(
            category_id__in=all_categories
        ).values_list("product_id", "category_id"):
            by_category.setdefault(category_id, set()).add(product_id)
        for root, tree in subtrees.items():
            members[root] = set().union(*(by_category.get(c, set()) for c in tree))
    excluded = {p for p, _ in exclusions if p}
    for _, category_id in exclusions:
        if category_id:
            excluded |= members.get(category_id, set())
    pin_map: dict[str, list[PinConfig]] = {}
    for placement, product_id, position, for_product, for_category in pins:
        pin_map.setdefault(placement, []).append(
            PinConfig(
                product_id,
                position,
                for_product,
                frozenset(subtrees.get(for_category, {for_category})) if for_category else None,
                frozenset(members.get(for_category, set())) if for_category else None,
            )
        )
    return OwnerConfig(placements, frozenset(excluded), pin_map)


def owner_config() -> OwnerConfig:
    """The owner's settings (placements, exclusions, pins): cached until one is saved."""
    global _memo
    gen = generation()
    if _memo is not None and _memo[0] == gen:
        return _memo[1]
    key = f"ecrm:recs:config:{gen}"
    config = cache.get(key)
    if config is None:
        config = _load_config()
        cache.set(key, config, None)
    _memo = (gen, config)
    return config


def _pins_for(config: OwnerConfig, context: Context) -> list[PinConfig]:
    product_id = getattr(context.product, "pk", None)
    category_id = getattr(context.category, "pk", None)
    basket_ids = set()
    if context.basket is not None and getattr(context.basket, "id", None):
        basket_ids = {line.product_id for line in context.basket.all_lines()}
    subjects = basket_ids | ({product_id} if product_id else set())

    def applies(pin: PinConfig) -> bool:
        if pin.for_product_id is None and pin.categories is None:
            return True  # everywhere in the placement
        if pin.for_product_id is not None:
            return pin.for_product_id in subjects
        in_category = category_id is not None and category_id in pin.categories
        return in_category or bool(subjects & pin.category_products)

    chosen = [pin for pin in config.pins.get(context.placement, []) if applies(pin)]
    return chosen


# --- loading products --------------------------------------------------------------------


class Recommendations(list):
    """A list of products with what the markup reports: the strategy actually served."""

    strategy: str = ""  # served (e.g. "trending" when a new visitor has no own list)
    configured: str = ""  # chosen for the placement (or forced by the caller)
    placement: str = ""


def _load(
    source: Source,
    strategy_name: str,
    want: int,
    request: Any = None,
    pins: Iterable[PinConfig] = (),
    excluded: frozenset[int] = frozenset(),
    bought_by: int | None = None,
) -> list[Any]:
    """Up to ``want`` buyable products of ``source``, pins first: two queries."""
    Product = get_model("catalogue", "Product")
    pins = sorted(pins, key=lambda pin: pin.position)
    pin_ids = [pin.product_id for pin in pins]
    condition = Q(pk__in=pin_ids) if pin_ids else None
    annotations = {}
    for index, part in enumerate(source.parts):
        if isinstance(part, Stored):
            rows = Recommendation.objects.filter(strategy=part.strategy, subject=part.subject)
            part_q = Q(pk__in=rows.values("product_id"))
            annotations[f"ecrm_rank_{index}"] = Subquery(
                rows.filter(product_id=OuterRef("pk")).values("rank")[:1]
            )
        elif part.ids:
            part_q = Q(pk__in=list(part.ids))
        else:
            continue
        condition = part_q if condition is None else condition | part_q
    if condition is None or not want:
        return []
    products = (
        Product.objects.filter(condition, is_public=True)
        .annotate(**annotations)
        .select_related("product_class", "parent")
        .prefetch_related("stockrecords")
    )
    if source.exclude:
        products = products.exclude(pk__in=list(source.exclude))
    if bought_by is not None:
        Line = get_model("order", "Line")
        products = products.exclude(
            pk__in=Line.objects.filter(order__user_id=bought_by, product__isnull=False).values(
                "product_id"
            )
        )
    by_pk = {product.pk: product for product in products}
    order = _order(
        by_pk,
        source,
        pin_ids,
        lambda index, part, pk: getattr(by_pk[pk], f"ecrm_rank_{index}", None),
    )
    return _pick(order, by_pk, source, strategy_name, excluded, want, request)


def _order(ids: Iterable[int], source: Source, pin_ids: list[int], stored_rank: Any) -> list:
    """``[(key, product id)]`` of the ``ids`` that a pin or ``source`` ranks, best first:
    pins first, then each part in turn, by its rank. ``stored_rank(index, part, pk)`` is
    a stored list's rank of the product (``None``: not in that list)."""
    positions = {pk: ((0, position, 0),) for position, pk in enumerate(pin_ids)}
    ranked_ids = [
        {pk: rank for rank, pk in enumerate(part.ids)} if isinstance(part, Ranked) else None
        for part in source.parts
    ]
    found = []
    for pk in ids:
        keys = list(positions.get(pk, ()))
        for index, part in enumerate(source.parts):
            if isinstance(part, Stored):
                rank = stored_rank(index, part, pk)
            else:
                rank = ranked_ids[index].get(pk)
            if rank is not None:
                keys.append((1, index, rank))
        if keys:
            found.append((min(keys), pk))
    found.sort()
    return found


def _pick(
    order: list,
    products: dict[int, Any],
    source: Source,
    strategy_name: str,
    excluded: frozenset[int],
    want: int,
    request: Any,
    copies: bool = False,
) -> list[Any]:
    """The first ``want`` buyable products of ``order`` (see :func:`_order`), each marked
    with the strategy that served it (on copies when ``products`` are shared between
    shoppers' lists)."""
    best = dict((pk, key) for key, pk in order)
    candidates = (products[pk] for _, pk in order if pk in products and pk not in excluded)
    chosen = _buyable(candidates, want, request)
    if copies:
        chosen = [copy.copy(product) for product in chosen]
    for product in chosen:
        key = best[product.pk]
        part = source.parts[key[1]] if key[0] == 1 else None
        product.ecrm_strategy = part.strategy if isinstance(part, Stored) else strategy_name
    return chosen


def _load_many(
    sources: dict[int, Source],
    strategy_name: str,
    want: int,
    pins: dict[int, list[PinConfig]],
    excluded: frozenset[int],
    bought: dict[int, set[int]],
) -> dict[int, list[Any]]:
    """:func:`_load` for many shoppers' sources at once (keyed by shopper id): one query
    for every stored list they name, then each shopper's candidates ranked by id and the
    products of the best few of all of them loaded together (with their stock records).
    Only a shopper whose best few were not enough (not buyable) needs a deeper round."""
    Product = get_model("catalogue", "Product")
    stored: dict[str, set[str]] = {}
    for source in sources.values():
        for part in source.parts:
            if isinstance(part, Stored):
                stored.setdefault(part.strategy, set()).add(part.subject)
    ranks: dict[tuple[str, str], dict[int, int]] = {}
    if stored:
        condition = Q()
        for strategy, subjects in stored.items():
            condition |= Q(strategy=strategy, subject__in=sorted(subjects))
        rows = Recommendation.objects.filter(condition).values_list(
            "strategy", "subject", "product_id", "rank"
        )
        for strategy, subject, product_id, rank in rows:
            ranks.setdefault((strategy, subject), {}).setdefault(product_id, rank)

    def stored_rank(index: int, part: Stored, pk: int) -> int | None:
        return ranks.get((part.strategy, part.subject), {}).get(pk)

    orders = {}
    for key, source in sources.items():
        key_pins = sorted(pins.get(key, ()), key=lambda pin: pin.position)
        pin_ids = [pin.product_id for pin in key_pins]
        ids = set(pin_ids)
        for part in source.parts:
            if isinstance(part, Stored):
                ids.update(ranks.get((part.strategy, part.subject), {}))
            else:
                ids.update(part.ids)
        ids -= set(source.exclude) | bought.get(key, set()) | excluded
        orders[key] = _order(ids, source, pin_ids, stored_rank)
    loaded: dict[int, list[Any]] = {key: [] for key in sources}
    products: dict[int, Any] = {}
    depth = max(want, 1)
    pending = {key: order for key, order in orders.items() if order and want}
    while pending:
        needed = {pk for order in pending.values() for _, pk in order[:depth]} - set(products)
        products.update(
            (product.pk, product)
            for product in Product.objects.filter(pk__in=needed, is_public=True)
            .select_related("product_class", "parent")
            .prefetch_related("stockrecords")
        )
        deeper = {}
        for key, order in pending.items():
            chosen = _pick(
                order[:depth], products, sources[key], strategy_name, excluded, want, None, True
            )
            if len(chosen) < want and len(order) > depth:
                deeper[key] = order
            else:
                loaded[key] = chosen
        pending, depth = deeper, depth * 4
    return loaded


def _buyable(candidates: Iterable[Any], limit: int, request: Any) -> list[Any]:
    if request is not None and not hasattr(request, "user"):
        request = None  # a bare request (no auth middleware): price for an anonymous shopper
    purchase_strategy = Selector().strategy(request=request, user=getattr(request, "user", None))
    chosen = []
    for product in candidates:
        if not product.is_public:
            continue
        if not purchase_strategy.fetch_for_product(product).availability.is_available_to_buy:
            continue
        chosen.append(product)
        if len(chosen) == limit:
            break
    return chosen


# --- feedback: shown repeatedly, never clicked -------------------------------------------


def feedback_key(identity: str) -> str:
    return f"ecrm:recs:fb:{identity}"


def feedback(context: Context) -> dict[str, Any]:
    """{"shown": {product id: impressions}, "clicked": {product ids}} for this shopper.

    Cached per shopper: built from their recent impression and click events (one indexed
    query) at most once a day, and kept current in between by tracking's
    ``events_recorded`` receiver.
    """
    return feedback_many([context]).get(context.identity) or _empty_feedback()


def _empty_feedback() -> dict[str, Any]:
    return {"shown": {}, "clicked": set()}


def feedback_many(contexts: Iterable[Context]) -> dict[str, dict[str, Any]]:
    """:func:`feedback` for many shoppers, by identity: one cache read for all, and one
    query for those whose counts are missing or older than a day."""
    if not apps.is_installed("ecrm_oscar.tracking"):
        return {}
    wanted = {context.identity: context for context in contexts if context.identity}
    if not wanted:
        return {}
    keys = {feedback_key(identity): identity for identity in wanted}
    cached = cache.get_many(list(keys))
    found: dict[str, dict[str, Any]] = {}
    for key, counts in cached.items():
        if time.time() - counts.get("built", 0) <= FEEDBACK_REBUILD_SECONDS:
            found[keys[key]] = counts  # else rebuilt: older impressions drop out daily
    cold = [context for identity, context in wanted.items() if identity not in found]
    if cold:
        from ecrm_oscar.tracking.event_types import (
            RECOMMENDATION_CLICKED,
            RECOMMENDATION_IMPRESSION,
        )

        Event = get_model("ecrm_tracking", "Event")
        since = timezone.now() - timedelta(days=conf.get("ECRM_RECOMMENDATION_FEEDBACK_DAYS"))
        users: dict[int, str] = {}
        visitors: dict[str, str] = {}
        for context in cold:
            if context.identity.startswith("user:"):
                users[context.user.pk] = context.identity
            else:
                visitors[context.visitor_id] = context.identity
        events = Event.objects.filter(
            Q(user_id__in=list(users)) | Q(visitor_id__in=list(visitors)),
            type__in=(RECOMMENDATION_IMPRESSION, RECOMMENDATION_CLICKED),
            created_at__gte=since,
        )
        if len(cold) > 1:  # each person's newest FEEDBACK_EVENTS, as for one person
            events = events.alias(
                newest=Window(
                    RowNumber(),
                    partition_by=[F("user_id"), F("visitor_id")],
                    order_by=F("created_at").desc(),
                )
            ).filter(newest__lte=FEEDBACK_EVENTS)
        rows = events.order_by("-created_at").values_list(
            "user_id", "visitor_id", "type", "product_id", "payload"
        )
        if len(cold) == 1:
            rows = rows[:FEEDBACK_EVENTS]
        built = {context.identity: {**_empty_feedback(), "built": time.time()} for context in cold}
        taken = dict.fromkeys(built, 0)
        for user_id, visitor_id, event_type, product_id, payload in rows:
            for identity in (users.get(user_id), visitors.get(visitor_id)):
                if identity is not None and taken[identity] < FEEDBACK_EVENTS:
                    taken[identity] += 1
                    add_feedback(built[identity], event_type, product_id, payload)
        cache.set_many(
            {feedback_key(identity): counts for identity, counts in built.items()},
            conf.get("ECRM_RECOMMENDATION_FEEDBACK_DAYS") * 24 * 3600,
        )
        found.update(built)
    return found


def add_feedback(counts: dict[str, Any], event_type: str, product_id: Any, payload: Any) -> None:
    """Count one impression or click event into ``counts`` (see ``feedback``)."""
    from ecrm_oscar.tracking.event_types import RECOMMENDATION_CLICKED

    if event_type == RECOMMENDATION_CLICKED:
        if product_id is not None:
            counts["clicked"].add(product_id)
        return
    products = payload.get("products") if isinstance(payload, dict) else None
    if not isinstance(products, list):
        return
    shown = counts["shown"]
    for pk in products[:MAX_LIMIT]:
        if isinstance(pk, int) and not isinstance(pk, bool):
            shown[pk] = shown.get(pk, 0) + 1


def _demote(
    products: list[Any], context: Context, pinned: set[int], counts: dict | None = None
) -> list[Any]:
    """Move items shown repeatedly and never clicked down; ``counts`` is the shopper's
    :func:`feedback` when the caller read it already."""
    after = conf.get("ECRM_RECOMMENDATION_DEMOTE_AFTER")
    if not after or not context.identity:
        return products
    if counts is None:
        counts = feedback(context)
    shown, clicked = counts["shown"], counts["clicked"]
    if not shown:
        return products
    kept, demoted = [], []
    for product in products:
        ignored = shown.get(product.pk, 0) >= after and product.pk not in clicked
        (demoted if ignored and product.pk not in pinned else kept).append(product)
    return kept + demoted


# --- the entry point ------------------------------------------------------------------


def _context(placement: str, request: Any, user: Any, **objects: Any) -> Context:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    visitor_id = getattr(request, "ecrm_visitor_id", "") if request is not None else ""
    return Context(placement, request, user, visitor_id or "", **objects)


@dataclass
class _Plan:
    """What a placement serves, from the owner's settings: ``limit`` 0 means nothing."""

    config: OwnerConfig | None = None
    chosen: Any = None
    limit: int = 0
    want: int = 0
    include_purchased: bool = True


def _plan(placement: str, request: Any, strategy: str | None, limit: Any) -> _Plan:
    if not capability_on("recommendations", request):
        return _Plan()  # the owner switched recommendations off: nothing, anywhere
    config = owner_config()
    setting = config.placement(placement)
    chosen = registry.get(strategy or setting.strategy) or registry.get(
        registry.DEFAULT_STRATEGIES.get(placement, TRENDING)
    )
    limit = _clamp(limit)
    if setting.limit and limit:
        limit = min(setting.limit, MAX_LIMIT)
    if chosen is None or not setting.enabled:
        limit = 0
    include = setting.include_purchased
    if include is None:
        include = owner_value(
            "recommendations_include_purchased", "ECRM_RECOMMENDATION_INCLUDE_PURCHASED"
        )
    want = min(limit * 2, MAX_LIMIT)  # room for demoted items to move down
    return _Plan(config, chosen, limit, want, bool(include))


def recommend_many(
    placement: str, users: Iterable[Any], *, limit: Any = 6, strategy: str | None = None
) -> dict[int, Recommendations]:
    """:func:`recommend` for many signed-in shoppers at once (a batch of emails), keyed by
    user id: the same lists (read fresh, not from the per-list cache), in a constant
    number of queries whatever the number of shoppers (stored lists, products and their
    stock records, purchases, feedback)."""
    users = {user.pk: user for user in users if getattr(user, "pk", None) is not None}
    plan = _plan(placement, None, strategy, limit)
    results = {}
    for pk in users:
        results[pk] = Recommendations()
        results[pk].placement = placement
        results[pk].strategy = results[pk].configured = plan.chosen.name if plan.chosen else ""
    if not plan.limit or not users:
        return results
    contexts = {pk: _context(placement, None, user) for pk, user in users.items()}
    sources = {pk: plan.chosen.func(context) for pk, context in contexts.items()}
    pins = {pk: _pins_for(plan.config, context) for pk, context in contexts.items()}
    bought: dict[int, set[int]] = {}
    if not plan.include_purchased:
        Line = get_model("order", "Line")
        rows = Line.objects.filter(order__user_id__in=list(users), product__isnull=False)
        for user_id, product_id in rows.values_list("order__user_id", "product_id").distinct():
            bought.setdefault(user_id, set()).add(product_id)
    loaded = _load_many(sources, plan.chosen.name, plan.want, pins, plan.config.excluded, bought)
    counts = feedback_many(contexts.values())
    for pk, context in contexts.items():
        pinned = {pin.product_id for pin in pins[pk]}
        shown = _demote(loaded[pk], context, pinned, counts.get(context.identity))
        results[pk].extend(shown[: plan.limit])
        origins = [p.ecrm_strategy for p in results[pk] if p.pk not in pinned]
        if origins:
            results[pk].strategy = origins[0]
    return results


def recommend(
    placement: str,
    *,
    request: Any = None,
    user: Any = None,
    product: Any = None,
    category: Any = None,
    basket: Any = None,
    limit: Any = 6,
    strategy: str | None = None,
) -> Recommendations:
    """The products to show in ``placement`` (``models.Placement``), best first.

    ``strategy`` forces one (else the owner's choice for the placement, else the default).
    Never raises on bad input: unknown or missing objects, non-numeric, zero, negative or
    huge limits give an empty or clamped list.
    """
    result = Recommendations()
    result.placement = placement
    plan = _plan(placement, request, strategy, limit)
    result.strategy = result.configured = plan.chosen.name if plan.chosen else ""
    if not plan.limit:
        return result
    config, chosen, limit, want = plan.config, plan.chosen, plan.limit, plan.want
    context = _context(placement, request, user, product=product, category=category, basket=basket)
    source = chosen.func(context)
    user = context.user
    bought_by = None
    if not plan.include_purchased and user is not None and getattr(user, "is_authenticated", False):
        bought_by = user.pk
    pins = _pins_for(config, context)
    seconds = conf.get("ECRM_RECOMMENDATION_CACHE_SECONDS")
    products = None
    if seconds:
        raw = "|".join(
            [placement, chosen.name, source.key(), str(bought_by), str(want)]
            + [str(pin.product_id) for pin in pins]
        )
        key = f"ecrm:recs:list:{generation()}:{hashlib.sha1(raw.encode()).hexdigest()}"
        products = cache.get(key)
    if products is None:
        products = _load(source, chosen.name, want, request, pins, config.excluded, bought_by)
        if seconds:
            cache.set(key, products, seconds)
    pinned = {pin.product_id for pin in pins}
    result.extend(_demote(products, context, pinned)[:limit])
    origins = [p.ecrm_strategy for p in result if p.pk not in pinned]
    if origins:
        result.strategy = origins[0]
    return result


# --- the historical helpers (each one strategy, with the owner's settings) --------------


def stored_list(
    strategy: str,
    subject: str,
    limit: int = 6,
    exclude_ids: Iterable[int] = (),
    request: Any = None,
) -> list[Any]:
    """Up to ``limit`` buyable products of one stored list, best first (no owner settings)."""
    source = Source([Stored(strategy, subject)], exclude=tuple(exclude_ids))
    return _load(source, strategy, _clamp(limit), request)


def also_bought(product: Any, limit: int = 6, request: Any = None) -> list[Any]:
    """ "Customers who bought this also bought"."""
    if product is None or getattr(product, "pk", None) is None:
        return []
    return recommend("product", request=request, product=product, limit=limit, strategy=ALSO_BOUGHT)


def trending(category: Any = None, limit: int = 6, request: Any = None) -> list[Any]:
    """Trending overall, or in ``category`` (and its subcategories)."""
    return recommend(
        "category" if category is not None else "home",
        request=request,
        category=category,
        limit=limit,
        strategy=TRENDING,
    )


def for_user(user: Any, limit: int = 6, request: Any = None) -> list[Any]:
    """ "Recommended for you", filled up with trending; trending for new visitors."""
    return recommend("home", request=request, user=user, limit=limit, strategy="personal")


def complete_order(basket: Any, limit: int = 6, request: Any = None) -> list[Any]:
    """ "Complete your order": the also-bought lists of the basket's products, summed."""
    if basket is None or not getattr(basket, "id", None):
        return []
    return recommend(
        "basket", request=request, basket=basket, limit=limit, strategy="complete_order"
    )
