"""Run inside the sandbox (``python tests/benchmarks/recommendation_probe.py <what>``) by
bench_recommendations: serving latency on a loaded shop, or training on synthetic data.
Prints one JSON line."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _median_ms(client, url: str, runs: int = 300, **headers) -> tuple[float, float]:
    for _ in range(20):
        assert client.get(url, **headers).status_code == 200
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), sorted(timings)[int(len(timings) * 0.95)]


def serving() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    import django

    django.setup()
    from django.db import connection
    from django.template import Context, Template
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from oscar.core.loading import get_model

    from ecrm_oscar.recommendations import services
    from ecrm_oscar.recommendations.models import Recommendation

    Order = get_model("order", "Order")
    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")
    customer = Order.objects.filter(user__isnull=False).order_by("id").first().user
    client = Client()
    client.force_login(customer)
    median, p95 = _median_ms(client, "/ecrm/recommendations/for-you/?limit=6")
    listed = client.get("/ecrm/recommendations/for-you/?limit=6").content.decode()
    # a new visitor with the tracking cookie (trending, feedback counts cached per visitor)
    browser = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"}
    visitor = Client()
    visitor_median, _ = _median_ms(visitor, "/ecrm/recommendations/for-you/?limit=6", **browser)
    product_ids = Product.objects.order_by("id").values_list("id", flat=True)[:5]
    for pk in product_ids:
        visitor.get(Product.objects.get(pk=pk).get_absolute_url(), **browser)
    recent_url = "/ecrm/recommendations/home/?limit=6&strategy=recently_viewed"
    recent_median, _ = _median_ms(visitor, recent_url, **browser)
    recent = visitor.get(recent_url, **browser).content.decode()
    subject = Recommendation.objects.filter(strategy="also_bought").values_list(
        "subject", flat=True
    )[0]
    product = Product.objects.get(pk=int(subject.split(":")[1]))
    template = Template("{% load ecrm_recommendations %}{% ecrm_also_bought product 6 %}")
    request = RequestFactory().get("/")
    # cold: every cached list retired, the owner's settings loaded (shared by all requests)
    services.lists_changed()
    services.owner_config()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        html = template.render(Context({"product": product, "request": request}))
        cold_ms = (time.perf_counter() - started) * 1000
    cold_queries = len(queries)
    block = []
    for _ in range(200):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            template.render(Context({"product": product, "request": request}))
            block.append((time.perf_counter() - started) * 1000)
    category_subject = (
        Recommendation.objects.filter(strategy="trending", subject__startswith="category:")
        .values_list("subject", flat=True)
        .first()
    )
    category = Category.objects.get(pk=int(category_subject.split(":")[1]))
    trending = Template("{% load ecrm_recommendations %}{% ecrm_trending category 6 %}")
    services.lists_changed()
    services.owner_config()
    with CaptureQueriesContext(connection) as category_queries:
        category_html = trending.render(Context({"category": category, "request": request}))
    return {
        "endpoint_median_ms": median,
        "endpoint_p95_ms": p95,
        "endpoint_products": listed.count("data-ecrm-product="),
        "recently_viewed_products": recent.count("data-ecrm-product="),
        "visitor_endpoint_median_ms": visitor_median,
        "recently_viewed_median_ms": recent_median,
        "block_cold_ms": cold_ms,
        "block_median_ms": statistics.median(block),
        "block_queries": cold_queries,
        "block_warm_queries": len(queries),
        "block_products": html.count("data-ecrm-product="),
        "category_queries": len(category_queries),
        "category_products": category_html.count("data-ecrm-product="),
    }


def synthetic(events: int) -> dict:
    """Train the personal blend on ``events`` synthetic purchase lines (Zipf-popular items;
    20 lines per customer on average, in orders of 5 over a year) and rank 20 items for
    every customer, as ``train_all`` does before writing."""
    import numpy as np

    from ecrm_oscar.recommendations.algorithms import Interactions, PersonalBlend

    rng = np.random.default_rng(7)
    users = max(1, events // 20)
    items = max(100, min(50_000, events // 200))
    orders = max(1, events // 5)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.9
    popularity /= popularity.sum()
    order_user = np.sort(rng.integers(0, users, orders))
    order_day = 734_000 + rng.integers(0, 365, orders)
    order_day = order_day[np.lexsort((order_day, order_user))]
    line_order = rng.integers(0, orders, events)
    line_item = rng.choice(items, size=events, p=popularity)
    started = time.perf_counter()
    present = np.unique(order_user)
    interactions = Interactions.from_arrays(
        [str(u) for u in present],
        [str(i) for i in range(items)],
        np.searchsorted(present, order_user),
        order_day,
        line_order,
        line_item,
    )
    model = PersonalBlend(interactions)
    fitted = time.perf_counter() - started
    ranked = rows = 0
    for _, chosen, _ in model.top_for_all(20):
        ranked += 1
        rows += len(chosen)
    return {
        "events": events,
        "customers": len(present),
        "items": items,
        "fit_seconds": fitted,
        "total_seconds": time.perf_counter() - started,
        "ranked": ranked,
        "rows": rows,
    }


if __name__ == "__main__":
    what = sys.argv[1]
    result = serving() if what == "serving" else synthetic(int(sys.argv[2]))
    print(json.dumps(result))
