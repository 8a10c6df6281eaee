"""Benchmark the recommenders: quality against popularity and implicit's ALS on the
complete Online Retail data, training time and memory, serving latency, and a scaling
curve on synthetic data. Figures go to the "Recommendations" section of docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from ecrm_oscar.recommendations import evaluation
from ecrm_oscar.recommendations.algorithms import STRATEGIES, als_factors, top_k
from tests.benchmarks.report import write_section
from tests.benchmarks.sandbox_runs import REPO, full_data, measure

PROBE = str(REPO / "tests" / "benchmarks" / "recommendation_probe.py")
COLUMNS = evaluation.PurchaseColumns(
    user="CustomerID",
    item="StockCode",
    timestamp="InvoiceDate",
    quantity="Quantity",
    price="UnitPrice",
    exclude_items=frozenset(["POST", "M", "C2", "D", "DOT", "CRUK", "BANK CHARGES", "PADS"]),
)
SYNTHETIC_SIZES = [
    int(size)
    for size in os.environ.get("ECRM_BENCH_SYNTHETIC_EVENTS", "1000000,3000000").split(",")
]


class _ALS:
    """implicit's ALS alone, as the anchor the data README calls "implicit ALS"."""

    def __init__(self, interactions):
        self.users, self.items = als_factors(interactions.bought, 64)

    def recommend(self, user_index, k, exclude=None):
        return top_k(self.items @ self.users[user_index], k, exclude)


def _quality() -> list[str]:
    source = full_data()
    if source is None:
        return ["Quality not measured: the complete UCI CSV is not available."]
    orders, _ = evaluation.read_orders(source, COLUMNS)
    split = evaluation.leave_last_out(orders)
    interactions = split.interactions()
    lines = [
        "Quality on the complete UCI Online Retail data, leave-last-order-out "
        f"({len(split.test):,} held-out customers; protocol in docs/recommendations.md). "
        "*train*: fitting on the training orders; *serve*: mean time to rank one "
        "customer's top 10 (mode all), one customer at a time:",
        "",
        "| method | train | serve | all: HitRate@10 | Recall@10 | NDCG@10 | coverage@10 "
        "| new: HitRate@10 | Recall@10 | NDCG@10 | coverage@10 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    methods = [*sorted(STRATEGIES.items()), ("implicit ALS (64 factors)", _ALS)]
    for name, factory in methods:
        started = time.perf_counter()
        model = factory(interactions)
        trained = time.perf_counter() - started
        cells = []
        for mode in ("all", "new"):
            started = time.perf_counter()
            figures = evaluation.evaluate(model.recommend, split, interactions, 10, mode)
            if mode == "all":
                serve_ms = (time.perf_counter() - started) / max(1, figures["users"]) * 1000
            cells += [
                f"{figures[key]:.3f}"
                for key in ("hit_rate@10", "recall@10", "ndcg@10", "coverage@10")
            ]
        print(f"\n{name}: {cells}")
        lines.append(
            f"| {name} | {trained:.1f} s | {serve_ms:.2f} ms | " + " | ".join(cells) + " |"
        )
    validation = evaluation.validation_split(orders)
    held_out = validation.interactions()
    model = STRATEGIES["personal"](held_out)
    scores = [
        evaluation.evaluate(model.recommend, validation, held_out, 10, mode)["ndcg@10"]
        for mode in ("all", "new")
    ]
    lines += [
        "",
        f"The same `personal` defaults on the validation split they were chosen on "
        f"({len(validation.test):,} customers' last *training* order held out): NDCG@10 "
        f"all {scores[0]:.3f}, new {scores[1]:.3f}.",
    ]
    return lines


def test_recommendations(full_demo_db: Path, tmp_path: Path) -> None:
    lines = _quality()

    db = tmp_path / "trained.sqlite3"
    shutil.copyfile(full_demo_db, db)
    seconds, peak, out = measure(db, "ecrm_train_recommendations", "-v2")
    print(f"\ntraining: {seconds:.1f} s wall, {peak:.0f} MB peak\n{out}")
    serving = json.loads(measure(db, PROBE, "serving", manage=False)[2].strip().splitlines()[-1])
    print(f"serving: {serving}")
    assert serving["block_queries"] <= 2 and serving["block_products"] > 0
    assert serving["block_warm_queries"] == 0 and serving["category_queries"] <= 3
    assert serving["endpoint_products"] == 6 and serving["recently_viewed_products"] == 5
    lines += [
        "",
        "Live training from the shop's database (`manage.py ecrm_train_recommendations` on "
        "SQLite holding the complete history: 4,334 customers, 18,310 orders), in its own "
        "process, Django start-up included:",
        "",
        "| what | figure |",
        "|---|---:|",
        f"| training, wall time | {seconds:.1f} s |",
        f"| training, peak memory | {peak:.0f} MB |",
        *[f"| `{line.strip()}` | |" for line in out.strip().splitlines()],
        f"| `/ecrm/recommendations/for-you/` median (300 requests, logged in) "
        f"| {serving['endpoint_median_ms']:.1f} ms |",
        f"| same, 95th percentile | {serving['endpoint_p95_ms']:.1f} ms |",
        f"| same, a new visitor with the tracking cookie (trending) "
        f"| {serving['visitor_endpoint_median_ms']:.1f} ms |",
        f"| `/ecrm/recommendations/home/?strategy=recently_viewed` median "
        f"| {serving['recently_viewed_median_ms']:.1f} ms |",
        f"| product-page block (`{{% ecrm_also_bought %}}`), cold list cache "
        f"| {serving['block_cold_ms']:.1f} ms, {serving['block_queries']} queries |",
        f"| same, cached list, median render "
        f"| {serving['block_median_ms']:.2f} ms, {serving['block_warm_queries']} queries |",
        f"| category block (`{{% ecrm_trending category %}}`), cold list cache "
        f"| {serving['category_queries']} queries |",
    ]

    curve = [
        "",
        "Scaling on synthetic purchases (Zipf-popular items; 20 lines per customer in "
        "orders of 5 over a year; fitting the blend incl. ALS and sequels, then ranking 20 "
        "items for every customer; database writes not included), each size in its own "
        "process (sizes: `ECRM_BENCH_SYNTHETIC_EVENTS`, default 1M and 3M; the 10M run is "
        "in docs/recommendations.md):",
        "",
        "| events | customers | items | fit | fit + rank all | peak memory |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for events in SYNTHETIC_SIZES:
        _, peak_mb, out = measure(db, PROBE, "synthetic", str(events), manage=False)
        result = json.loads(out.strip().splitlines()[-1])
        print(f"synthetic {events:,}: {result}, {peak_mb:.0f} MB")
        assert result["ranked"] == result["customers"]
        curve.append(
            f"| {events:,} | {result['customers']:,} | {result['items']:,} "
            f"| {result['fit_seconds']:.1f} s | {result['total_seconds']:.1f} s "
            f"| {peak_mb:,.0f} MB |"
        )
    write_section("Recommendations", "\n".join(lines + curve))
