"""Measure behaviour capture on one database; run by bench_tracking.py in a subprocess.

``python -m tests.benchmarks.tracking_runner OUT.json`` with DATABASE_URL naming the
database: a fresh benchmark database is created next to it (tables from the models, no
migrations: a SQLite file, or ``<name>_bench`` on PostgreSQL), used and dropped. Requests
run in autocommit, as in production (no test transaction around them), so every commit
is paid for.

(a) Overhead: Oscar's product page and add-to-basket through the test client, tracking
    on and off alternating request by request (so drift and noise hit both alike),
    median latency of each, and the write queries of one request of each kind.
(b) Throughput: ``capture.record()`` called outside a request, each event its own
    transaction and commit, for a fixed number of events; the sustained rate is the
    slowest of its consecutive windows. Also ``capture.batch()`` for comparison, and on
    PostgreSQL with ``ECRM_TRACKING_SYNCHRONOUS_COMMIT = True``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

PAIRS = int(os.environ.get("ECRM_BENCH_PAIRS", "500"))
WARMUP = 30
EVENTS = int(os.environ.get("ECRM_BENCH_EVENTS", "20000"))
WINDOW = 2000
WRITERS = int(os.environ.get("ECRM_BENCH_WRITERS") or os.cpu_count() or 2)
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class ResponseReady:
    """Outermost middleware: notes when the response is handed to the WSGI server.

    That is the shopper's latency; what happens after (``response.close()``, where
    VisitorMiddleware writes the request's events) is worker time only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.ecrm_ready = time.perf_counter()
        return response


def setup_database() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = database["NAME"]
    else:
        name = f"{database['NAME']}_bench"
    database["TEST"] = {"NAME": name, "MIGRATE": False}
    settings.DEBUG = False  # as in production (and as pytest runs): no query log
    settings.MIDDLEWARE = ["tests.benchmarks.tracking_runner.ResponseReady", *settings.MIDDLEWARE]
    import django

    django.setup()
    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def teardown_database() -> None:
    from django.db import connection

    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def overhead() -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from ecrm_oscar.testing.factories import create_product
    from ecrm_oscar.tracking.models import Event

    product = create_product(title="Benchmark mug", price="9.99", stock=10**6)
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    product_url = product.get_absolute_url()
    add_url = reverse("basket:add", kwargs={"pk": product.pk})

    def view_product():
        return client.get(product_url)

    def add_to_basket():
        return client.post(add_url, {"quantity": 1})

    results = {}
    for label, request in [("product page", view_product), ("add to basket", add_to_basket)]:
        latency: dict[str, list[float]] = {"off": [], "all": []}
        worker: dict[str, list[float]] = {"off": [], "all": []}
        cpu: dict[str, list[float]] = {"off": [], "all": []}
        for index in range(WARMUP + PAIRS):
            # alternate which mode goes first, so neither always follows the other
            for mode in ("off", "all") if index % 2 else ("all", "off"):
                settings.ECRM_TRACKING_MODE = mode
                cpu_started = time.process_time()
                started = time.perf_counter()
                response = request()
                finished = time.perf_counter()
                cpu_used = time.process_time() - cpu_started
                assert response.status_code in (200, 302), response.status_code
                if index >= WARMUP:
                    latency[mode].append(response.ecrm_ready - started)
                    worker[mode].append(finished - started)
                    cpu[mode].append(cpu_used)
        writes = {}
        for mode in ("off", "all"):
            settings.ECRM_TRACKING_MODE = mode
            with CaptureQueriesContext(connection) as context:
                request()
            writes[mode] = sum(
                q["sql"].lstrip().upper().startswith(WRITES) for q in context.captured_queries
            )
        off, on = median_ms(latency["off"]), median_ms(latency["all"])
        worker_off, worker_on = median_ms(worker["off"]), median_ms(worker["all"])
        results[label] = {
            "off_ms": off,
            "on_ms": on,
            "overhead_pct": (on - off) / off * 100,
            "worker_off_ms": worker_off,
            "worker_on_ms": worker_on,
            "worker_overhead_pct": (worker_on - worker_off) / worker_off * 100,
            # CPU time of the whole request (this process), less sensitive to other load
            "cpu_off_ms": median_ms(cpu["off"]),
            "cpu_on_ms": median_ms(cpu["all"]),
            "writes_off": writes["off"],
            "writes_on": writes["all"],
            "requests": PAIRS,
        }
    settings.ECRM_TRACKING_MODE = "all"
    results["events"] = Event.objects.count()
    return results


def _record_events(count: int, offset: int, batched: bool = False) -> list[float]:
    """Record ``count`` events outside a request; the rates of consecutive windows."""
    from ecrm_oscar.tracking import capture, event_types
    from ecrm_oscar.tracking.models import Event  # noqa: F401  (models ready)

    product_ids = _product_ids()
    windows = []
    block = None
    window_start = time.perf_counter()
    for index in range(offset, offset + count):
        if batched and index % 500 == 0:
            if block is not None:
                block.__exit__(None, None, None)
            block = capture.batch()
            block.__enter__()
        capture.record(
            event_types.PRODUCT_VIEWED,
            visitor_id=f"{index % 997:032x}",
            product=product_ids[index % len(product_ids)],
            payload={"placement": "benchmark", "position": index % 8},
        )
        if (index - offset + 1) % WINDOW == 0:
            now = time.perf_counter()
            windows.append(WINDOW / (now - window_start))
            window_start = now
    if block is not None:
        block.__exit__(None, None, None)
    return windows


def _product_ids() -> list[int]:
    from oscar.core.loading import get_model

    return list(get_model("catalogue", "Product").objects.values_list("pk", flat=True)[:10])


def _writer(args: tuple[int, int, object, object]) -> None:
    count, offset, start, done = args
    from django.db import connections

    start.wait()
    _record_events(count, offset)
    connections.close_all()
    done.put(time.perf_counter())


def throughput(
    count: int, *, batched: bool = False, synchronous: bool = False, writers: int = 1
) -> dict:
    """Events per second of ``capture.record()`` outside a request (one commit each)."""
    import multiprocessing

    from django.conf import settings
    from django.db import connections

    from ecrm_oscar.testing.factories import create_product
    from ecrm_oscar.tracking.models import Event

    settings.ECRM_TRACKING_MODE = "all"
    settings.ECRM_TRACKING_SYNCHRONOUS_COMMIT = synchronous
    if len(_product_ids()) < 10:
        for i in range(10):
            create_product(title=f"Throughput {i}")
    before = Event.objects.count()
    cpu = None
    if writers == 1:
        started, cpu_started = time.perf_counter(), time.process_time()
        windows = _record_events(count, 0, batched)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        sustained = min(windows) if windows else count / elapsed
    else:
        # Separate processes (as a web server's workers are), started together.
        connections.close_all()
        context = multiprocessing.get_context("fork")
        start, done = context.Event(), context.Queue()
        share = count // writers
        processes = [
            context.Process(target=_writer, args=((share, i * share, start, done),))
            for i in range(writers)
        ]
        for process in processes:
            process.start()
        time.sleep(0.5)
        started = time.perf_counter()
        start.set()
        finished = [done.get(timeout=600) for _ in processes]
        for process in processes:
            process.join()
        elapsed = max(finished) - started
        count = share * writers
        sustained = count / elapsed
    written = Event.objects.count() - before
    assert written == count, (written, count)
    settings.ECRM_TRACKING_SYNCHRONOUS_COMMIT = False
    return {
        "events": count,
        "seconds": elapsed,
        "rate": count / elapsed,
        "sustained": sustained,
        "writers": writers,
        # CPU time of this process per event (SQLite's own work included, PostgreSQL's not)
        "cpu_us": cpu / count * 1e6 if cpu is not None else None,
    }


def main(out: Path) -> None:
    setup_database()
    from django.db import connection

    try:
        result = {"vendor": connection.vendor, "overhead": overhead()}
        result["throughput"] = throughput(EVENTS)
        result["concurrent"] = throughput(EVENTS, writers=WRITERS)
        result["batched"] = throughput(EVENTS, batched=True)
        if connection.vendor == "postgresql":
            result["synchronous"] = throughput(max(EVENTS // 4, WINDOW), synchronous=True)
        result["load"] = os.getloadavg()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                journal = cursor.fetchone()[0]
                cursor.execute("PRAGMA synchronous")
                synchronous = cursor.fetchone()[0]
            result["sqlite"] = {"journal_mode": journal, "synchronous": synchronous}
        out.write_text(json.dumps(result, indent=2))
    finally:
        teardown_database()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
