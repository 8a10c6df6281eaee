"""Train the live recommenders from Oscar's order history and store their rows.

Runs in Celery (``tasks.train``) or ``manage.py ecrm_train_recommendations``; never on the
request path. Each strategy's rows are replaced in one transaction.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.dashboard.switches import owner_value
from ecrm_oscar.recommendations.algorithms import (
    Interactions,
    PersonalBlend,
    top_k,
    trending_scores,
)
from ecrm_oscar.recommendations.models import Recommendation

ALSO_BOUGHT = "also_bought"
PERSONAL = "personal"
TRENDING = "trending"


@dataclass
class TrainingReport:
    seconds: float = 0.0
    customers: int = 0
    products: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, in order

    def lap(self, step: str, since: float) -> float:
        """Record the seconds ``step`` took since ``since``; returns now."""
        now = time.perf_counter()
        self.steps[step] = round(now - since, 3)
        return now


def purchase_history(half_life: float = 4.0) -> Interactions:
    """Every customer's orders and their products, from Oscar's order tables.

    Orders are read with their dates (one row per order); lines as bare (order, product)
    id pairs through the database cursor, so 400,000 lines cost no model or datetime
    conversion. Orders without a product line (all deleted) are left out.
    """
    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    lines_query = Line.objects.filter(order__user__isnull=False, product__isnull=False).values_list(
        "order_id", "product_id"
    )
    sql, params = lines_query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pairs = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    orders = np.array(
        [
            (pk, user_id, placed.date().toordinal(), placed.timestamp())
            for pk, user_id, placed in Order.objects.filter(user__isnull=False)
            .order_by()
            .values_list("id", "user_id", "date_placed")
            .iterator(chunk_size=10_000)
        ],
        dtype=np.float64,
    ).reshape(-1, 4)
    orders = orders[np.isin(orders[:, 0], pairs[:, 0])]
    # rows by customer, then time (then id): the order Interactions expects
    orders = orders[np.lexsort((orders[:, 0], orders[:, 3], orders[:, 1]))]
    order_ids = orders[:, 0].astype(np.int64)
    user_ids, order_user = np.unique(orders[:, 1].astype(np.int64), return_inverse=True)
    product_ids, line_item = np.unique(pairs[:, 1], return_inverse=True)
    position = np.argsort(order_ids)
    line_order = position[np.searchsorted(order_ids, pairs[:, 0], sorter=position)]
    return Interactions.from_arrays(
        [str(user_id) for user_id in user_ids],
        [str(product_id) for product_id in product_ids],
        order_user.astype(np.int64),
        orders[:, 2].astype(np.int64),
        line_order,
        line_item.astype(np.int64),
        half_life,
    )


Row = tuple[str, str, int, int, float]


def _rows(
    strategy: str, subject: str, indexes: list[int], scores: np.ndarray, items: list[str]
) -> list[Row]:
    return [
        (strategy, subject, rank, int(items[index]), float(scores[index]))
        for rank, index in enumerate(indexes, start=1)
    ]


def _replace(strategy: str, rows: list[Row]) -> int:
    """Swap a strategy's rows in one transaction.

    Plain SQL on purpose: nothing references these rows (no cascades to collect) and
    hundreds of thousands of them go through the ORM's per-object machinery far slower.
    PostgreSQL gets them through ``COPY``, other databases through multi-row ``INSERT``s.
    """
    table = connection.ops.quote_name(Recommendation._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Recommendation._meta.get_field(name).column)
        for name in ("strategy", "subject", "rank", "product", "score", "computed_at")
    )
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(
            f"DELETE FROM {table} WHERE {connection.ops.quote_name('strategy')} = %s", [strategy]
        )
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, now))
        else:
            # multi-row INSERTs (about 3x faster than executemany on SQLite), the time
            # stamp adapted once, and past the DEBUG query log, which would format every
            # one of the statements' parameters
            stamp = connection.ops.adapt_datetimefield_value(now)
            per = max(1, min(500, (connection.features.max_query_params or 3000) // 6))
            for start in range(0, len(rows), per):
                chunk = rows[start : start + per]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
                (raw or cursor).execute(
                    f"INSERT INTO {table} ({columns}) VALUES {values}",
                    [value for row in chunk for value in (*row, stamp)],
                )
    return len(rows)


def blend_settings() -> dict:
    """The personal blend's parameters from settings (docs/settings.md)."""
    return {
        "neighbours": conf.get("ECRM_RECOMMENDATION_NEIGHBOURS"),
        "own_weight": conf.get("ECRM_RECOMMENDATION_OWN_WEIGHT"),
        "trend_weight": conf.get("ECRM_RECOMMENDATION_TREND_WEIGHT"),
        "trend_half_life_days": conf.get("ECRM_RECOMMENDATION_TREND_HALF_LIFE_DAYS"),
        "als_weight": conf.get("ECRM_RECOMMENDATION_ALS_WEIGHT"),
        "als_factors_count": conf.get("ECRM_RECOMMENDATION_ALS_FACTORS"),
        "sequel_weight": conf.get("ECRM_RECOMMENDATION_SEQUEL_WEIGHT"),
    }


def train_all() -> TrainingReport:
    """(Re)compute every stored list: also-bought, personal and trending."""
    started = time.perf_counter()
    size = conf.get("ECRM_RECOMMENDATION_LIST_SIZE")
    interactions = purchase_history(conf.get("ECRM_RECOMMENDATION_HALF_LIFE_ORDERS"))
    report = TrainingReport(customers=len(interactions.users), products=len(interactions.items))
    lap = report.lap("read orders", started)
    model = PersonalBlend(interactions, **blend_settings())
    lap = report.lap("fit", lap)
    items = interactions.items

    also_bought: list[Row] = []
    similarity = model.similarity
    for row_index, item in enumerate(items):
        start, end = similarity.indptr[row_index], similarity.indptr[row_index + 1]
        neighbours, weights = similarity.indices[start:end], similarity.data[start:end]
        best = np.lexsort((neighbours, -weights))[:size]
        also_bought += [
            (ALSO_BOUGHT, f"product:{item}", rank, int(items[neighbours[i]]), float(weights[i]))
            for rank, i in enumerate(best, start=1)
            if weights[i] > 0
        ]
    lap = report.lap("rank also-bought", lap)
    report.rows[ALSO_BOUGHT] = _replace(ALSO_BOUGHT, also_bought)
    lap = report.lap("write also-bought", lap)

    include_bought = owner_value(
        "recommendations_include_purchased", "ECRM_RECOMMENDATION_INCLUDE_PURCHASED"
    )
    personal: list[Row] = []
    users = interactions.users
    for user_index, chosen, scores in model.top_for_all(size, include_own=include_bought):
        subject = f"user:{users[user_index]}"
        personal += [
            (PERSONAL, subject, rank, int(items[index]), float(score))
            for rank, (index, score) in enumerate(zip(chosen, scores, strict=True), start=1)
        ]
    lap = report.lap("rank personal", lap)
    report.rows[PERSONAL] = _replace(PERSONAL, personal)
    lap = report.lap("write personal", lap)

    trend = trending_scores(interactions, conf.get("ECRM_RECOMMENDATION_TREND_HALF_LIFE_DAYS"))
    trending = _rows(TRENDING, "all", top_k(trend, size), trend, items)
    ProductCategory = get_model("catalogue", "ProductCategory")
    by_category: dict[int, list[int]] = defaultdict(list)
    for product_id, category_id in ProductCategory.objects.values_list("product_id", "category_id"):
        index = interactions.item_index.get(str(product_id))
        if index is not None:
            by_category[category_id].append(index)
    for category_id, indexes in by_category.items():
        members = np.array(indexes)
        chosen = [int(members[i]) for i in top_k(trend[members], size)]
        trending += _rows(TRENDING, f"category:{category_id}", chosen, trend, items)
    report.rows[TRENDING] = _replace(TRENDING, trending)
    report.lap("trending", lap)
    report.seconds = time.perf_counter() - started
    return report


# -- incremental update after an order ----------------------------------------------------


def _lock(cursor) -> None:
    """Serialise writers of stored lists (full retrain, per-order refreshes) on PostgreSQL,
    so a refresh never collides with a retrain's rows; SQLite serialises writes itself."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


_LOCK_KEY = 7_212_004  # arbitrary, constant: "ecrm recommendations"


def _replace_lists(strategy: str, lists: dict[str, list[tuple[int, float]]]) -> int:
    """Replace the stored lists of some subjects of ``strategy`` in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            _lock(cursor)
        Recommendation.objects.filter(strategy=strategy, subject__in=list(lists)).delete()
        Recommendation.objects.bulk_create(
            [
                Recommendation(
                    strategy=strategy,
                    subject=subject,
                    rank=rank,
                    product_id=product_id,
                    score=score,
                    computed_at=now,
                )
                for subject, ranked in lists.items()
                for rank, (product_id, score) in enumerate(ranked, start=1)
            ],
            batch_size=1000,
        )
    return sum(len(ranked) for ranked in lists.values())


def _best(scores: dict[int, float], size: int) -> list[tuple[int, float]]:
    ranked = sorted(scores.items(), key=lambda entry: (-entry[1], entry[0]))
    return [(product_id, score) for product_id, score in ranked[:size] if score > 0]


def refresh_also_bought(product_ids: list[int]) -> int:
    """Recompute the also-bought lists of ``product_ids`` from the order lines (cosine
    over co-buyers, exactly as a full retrain would for these products); returns rows.

    The lists of the *other* products whose neighbour sets changed catch up at the next
    full retrain.
    """
    Line = get_model("order", "Line")
    product_ids = sorted(set(product_ids))
    if not product_ids:
        return 0
    purchases = Line.objects.filter(order__user__isnull=False, product__isnull=False)
    buyers: dict[int, set[int]] = defaultdict(set)
    for product_id, user_id in purchases.filter(product_id__in=product_ids).values_list(
        "product_id", "order__user_id"
    ):
        buyers[product_id].add(user_id)
    everyone = set().union(*buyers.values()) if buyers else set()
    bought_by: dict[int, set[int]] = defaultdict(set)  # other product -> its buyers among them
    for user_id, product_id in (
        purchases.filter(order__user_id__in=everyone)
        .values_list("order__user_id", "product_id")
        .distinct()
    ):
        bought_by[product_id].add(user_id)
    counts = dict(
        purchases.filter(product_id__in=list(bought_by))
        .values_list("product_id")
        .annotate(buyers=Count("order__user_id", distinct=True))
        .values_list("product_id", "buyers")
    )
    keep = min(
        conf.get("ECRM_RECOMMENDATION_NEIGHBOURS"), conf.get("ECRM_RECOMMENDATION_LIST_SIZE")
    )
    lists: dict[str, list[tuple[int, float]]] = {}
    for product_id in product_ids:
        mine = buyers.get(product_id, set())
        scores = {
            other: len(mine & who) / math.sqrt(len(mine) * counts[other])
            for other, who in bought_by.items()
            if other != product_id and mine & who
        }
        lists[f"product:{product_id}"] = _best(scores, keep)
    return _replace_lists(ALSO_BOUGHT, lists)


def refresh_personal(user_id: int) -> int:
    """Re-blend one customer's "recommended for you" list after an order, from stored rows,
    without retraining: their own items (recency-weighted by order), the stored also-bought
    lists of those items and trending overall, with the blend's weights. The parts only
    the full model has (ALS factors, sequels) come back at the next full retrain; the
    previous list is not fed back in, so running the refresh twice gives the same list."""
    Line = get_model("order", "Line")
    size = conf.get("ECRM_RECOMMENDATION_LIST_SIZE")
    half_life = conf.get("ECRM_RECOMMENDATION_HALF_LIFE_ORDERS")
    lines = (
        Line.objects.filter(order__user_id=user_id, product__isnull=False)
        .order_by("order__date_placed", "order_id")
        .values_list("order_id", "product_id")
    )
    order_ids: list[int] = []
    baskets: dict[int, set[int]] = defaultdict(set)
    for order_id, product_id in lines:
        if order_id not in baskets:
            order_ids.append(order_id)
        baskets[order_id].add(product_id)
    own: dict[int, float] = defaultdict(float)
    for position, order_id in enumerate(order_ids):
        weight = 0.5 ** ((len(order_ids) - 1 - position) / half_life)
        for product_id in baskets[order_id]:
            own[product_id] += weight

    def scaled(scores: dict[int, float]) -> dict[int, float]:
        peak = max(scores.values(), default=0.0)
        return {key: value / peak for key, value in scores.items()} if peak > 0 else {}

    neighbours: dict[int, float] = defaultdict(float)
    stored = Recommendation.objects.filter(
        strategy=ALSO_BOUGHT, subject__in=[f"product:{pk}" for pk in own]
    ).values_list("subject", "product_id", "score")
    for subject, product_id, score in stored:
        neighbours[product_id] += own[int(subject.split(":", 1)[1])] * score
    trend = dict(
        Recommendation.objects.filter(strategy=TRENDING, subject="all").values_list(
            "product_id", "score"
        )
    )
    include_bought = conf.get("ECRM_RECOMMENDATION_INCLUDE_PURCHASED")
    parts = [
        (1.0, scaled(neighbours)),
        (conf.get("ECRM_RECOMMENDATION_TREND_WEIGHT"), scaled(trend)),
    ]
    if include_bought:
        parts.append((conf.get("ECRM_RECOMMENDATION_OWN_WEIGHT"), scaled(own)))
    blended: dict[int, float] = defaultdict(float)
    for weight, scores in parts:
        for product_id, score in scores.items():
            blended[product_id] += weight * score
    if not include_bought:
        for product_id in own:
            blended.pop(product_id, None)
    return _replace_lists(PERSONAL, {f"user:{user_id}": _best(blended, size)})


def refresh_after_order(order_id: int) -> dict[str, int]:
    """What the ``order_placed`` task does: the ordering customer's personal list and the
    also-bought lists of the ordered products, in a few queries, no retrain."""
    Order = get_model("order", "Order")
    order = Order.objects.filter(pk=order_id).values_list("user_id", flat=True).first()
    if order is None:  # deleted, or a guest's order: nothing personal to refresh
        return {}
    Line = get_model("order", "Line")
    product_ids = list(
        Line.objects.filter(order_id=order_id, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
    return {
        ALSO_BOUGHT: refresh_also_bought(product_ids),
        PERSONAL: refresh_personal(order),
    }
