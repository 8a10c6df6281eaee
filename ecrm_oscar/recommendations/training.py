"""Train the live recommenders from Oscar's order history and store their rows.

Runs in Celery (``tasks.train``) or ``manage.py ecrm_train_recommendations``; never on the
request path. Each strategy's rows are replaced in one transaction.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar import conf
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


def purchase_history() -> dict[str, dict[str, set[str]]]:
    """Customer id -> "<minute> <order id>" -> product ids, from Oscar order lines."""
    Line = get_model("order", "Line")
    orders: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    lines = (
        Line.objects.filter(order__user__isnull=False, product__isnull=False)
        .values_list("order__user_id", "order_id", "order__date_placed", "product_id")
        .iterator(chunk_size=10_000)
    )
    for user_id, order_id, placed, product_id in lines:
        orders[str(user_id)][f"{placed:%Y-%m-%d %H:%M} {order_id}"].add(str(product_id))
    return {user: dict(user_orders) for user, user_orders in orders.items()}


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
    """
    table = connection.ops.quote_name(Recommendation._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Recommendation._meta.get_field(name).column)
        for name in ("strategy", "subject", "rank", "product", "score", "computed_at")
    )
    now = timezone.now()
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {connection.ops.quote_name('strategy')} = %s", [strategy]
        )
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, [(*row, now) for row in rows[start : start + 5000]])
    return len(rows)


def train_all() -> TrainingReport:
    """(Re)compute every stored list: also-bought, personal and trending."""
    started = time.perf_counter()
    size = conf.get("ECRM_RECOMMENDATION_LIST_SIZE")
    orders = purchase_history()
    interactions = Interactions.from_orders(
        orders, conf.get("ECRM_RECOMMENDATION_HALF_LIFE_ORDERS")
    )
    report = TrainingReport(customers=len(interactions.users), products=len(interactions.items))
    model = PersonalBlend(
        interactions,
        orders,
        neighbours=conf.get("ECRM_RECOMMENDATION_NEIGHBOURS"),
        own_weight=conf.get("ECRM_RECOMMENDATION_OWN_WEIGHT"),
        trend_weight=conf.get("ECRM_RECOMMENDATION_TREND_WEIGHT"),
        trend_half_life_days=conf.get("ECRM_RECOMMENDATION_TREND_HALF_LIFE_DAYS"),
        als_weight=conf.get("ECRM_RECOMMENDATION_ALS_WEIGHT"),
        als_factors_count=conf.get("ECRM_RECOMMENDATION_ALS_FACTORS"),
    )
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
    report.rows[ALSO_BOUGHT] = _replace(ALSO_BOUGHT, also_bought)

    include_bought = conf.get("ECRM_RECOMMENDATION_INCLUDE_PURCHASED")
    personal: list[Row] = []
    users = interactions.users
    for user_index, chosen, scores in model.top_for_all(size, include_own=include_bought):
        personal += _rows(PERSONAL, f"user:{users[user_index]}", chosen, scores, items)
    report.rows[PERSONAL] = _replace(PERSONAL, personal)

    trend = trending_scores(
        orders, interactions.item_index, conf.get("ECRM_RECOMMENDATION_TREND_HALF_LIFE_DAYS")
    )
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
    report.seconds = time.perf_counter() - started
    return report
