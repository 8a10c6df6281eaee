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


def serving() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    import django

    django.setup()
    from django.db import connection
    from django.template import Context, Template
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from oscar.core.loading import get_model

    from ecrm_oscar.recommendations.models import Recommendation

    Order = get_model("order", "Order")
    Product = get_model("catalogue", "Product")
    customer = Order.objects.filter(user__isnull=False).order_by("id").first().user
    client = Client()
    client.force_login(customer)
    url = "/ecrm/recommendations/for-you/?limit=6"
    for _ in range(20):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(300):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    subject = Recommendation.objects.filter(strategy="also_bought").values_list(
        "subject", flat=True
    )[0]
    product = Product.objects.get(pk=int(subject.split(":")[1]))
    template = Template("{% load ecrm_recommendations %}{% ecrm_also_bought product 6 %}")
    request = RequestFactory().get("/")
    block = []
    for _ in range(200):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            html = template.render(Context({"product": product, "request": request}))
            block.append((time.perf_counter() - started) * 1000)
    return {
        "endpoint_median_ms": statistics.median(timings),
        "endpoint_p95_ms": sorted(timings)[int(len(timings) * 0.95)],
        "block_median_ms": statistics.median(block),
        "block_queries": len(queries),
        "block_products": html.count("data-ecrm-product="),
    }


def synthetic(events: int) -> dict:
    """Train the personal blend on ``events`` synthetic purchases (Zipf-popular items,
    20 per customer on average) and rank 20 items for every customer."""
    import numpy as np
    import scipy.sparse as sp

    from ecrm_oscar.recommendations.algorithms import Interactions, PersonalBlend

    rng = np.random.default_rng(7)
    users = max(1, events // 20)
    items = max(100, min(50_000, events // 200))
    popularity = 1.0 / np.arange(1, items + 1) ** 0.9
    popularity /= popularity.sum()
    rows = rng.integers(0, users, events)
    cols = rng.choice(items, size=events, p=popularity)
    weights = rng.random(events)
    started = time.perf_counter()
    recency = sp.csr_matrix((weights, (rows, cols)), shape=(users, items))
    recency.sum_duplicates()
    bought = recency.copy()
    bought.data[:] = 1.0
    names = [str(i) for i in range(items)]
    interactions = Interactions(
        users=[str(u) for u in range(users)],
        items=names,
        user_index={},
        item_index={name: i for i, name in enumerate(names)},
        recency=recency,
        bought=bought,
    )
    model = PersonalBlend(interactions, None)
    fitted = time.perf_counter() - started
    ranked = sum(1 for _ in model.top_for_all(20))
    return {
        "events": events,
        "customers": users,
        "items": items,
        "fit_seconds": fitted,
        "total_seconds": time.perf_counter() - started,
        "ranked": ranked,
    }


if __name__ == "__main__":
    what = sys.argv[1]
    result = serving() if what == "serving" else synthetic(int(sys.argv[2]))
    print(json.dumps(result))
