"""Benchmark customer profiles: the full rebuild on the complete Online Retail data (≤ 10 s),
an incremental update after one order, and ``segments_for``.

Run by ``make bench``. The data is loaded once (``ecrm_load_demo --full``, or the shipped
sample when the complete CSV is missing) into a fresh SQLite database with the sandbox's
settings, exactly as ``make demo`` does, then each measurement runs in its own
``manage.py`` process. The rebuild time is the command's own (profiles, the basis, the
seven RFM segments); Django's start-up is reported separately. Figures go into the
"Customer profiles" section of docs/benchmarks.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.bench_load_demo import MANAGE, REPO, _env, _full_data
from tests.benchmarks.report import write_section

LIMIT_SECONDS = 10.0

_INCREMENTAL = """
import statistics, time
from django.core.cache import cache
from ecrm_oscar.customers import profiles, segments, services
from ecrm_oscar.customers.models import CustomerProfile
ids = CustomerProfile.objects.order_by("-orders_count").values_list("user_id", flat=True)
ids = list(ids[:200])
timings = []
for pk in ids:
    started = time.perf_counter()
    profiles.update_profiles([pk])
    segments.refresh_subject(user_id=pk, trigger="order")
    timings.append(time.perf_counter() - started)
cache.clear()
cold = []
for pk in ids:
    started = time.perf_counter()
    services.segments_for(pk)
    cold.append(time.perf_counter() - started)
warm = []
for pk in ids:
    started = time.perf_counter()
    services.segments_for(pk)
    warm.append(time.perf_counter() - started)
print("incremental_ms", statistics.median(timings) * 1000)
print("cold_ms", statistics.median(cold) * 1000)
print("warm_ms", statistics.median(warm) * 1000)
"""


def _run(db: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([*MANAGE, *args], env=_env(db), capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return time.perf_counter() - started, done.stdout


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("bench-customers") / "shop.sqlite3"
    subprocess.run([*MANAGE, "migrate", "--noinput", "-v0"], env=_env(db), check=True, cwd=REPO)
    full = _full_data()
    label = "complete data (`ecrm_load_demo --full`)" if full else "shipped sample"
    args = ["--full", "--file", str(full)] if full else []
    seconds, _ = _run(db, "ecrm_load_demo", "-v0", *args)
    print(f"\nloaded {label} in {seconds:.0f} s (not part of the figures)")
    _run(db, "ecrm_backfill_events", "-v0")
    return db, label


def test_rebuild_profiles(loaded) -> None:
    db, label = loaded
    startup, _ = _run(db, "check")
    runs = []
    for _ in range(3):
        wall, out = _run(db, "ecrm_rebuild_profiles", "--no-progress")
        found = re.search(
            r"Rebuilt ([\d,]+) customer profiles and (\d+) segments in ([\d.]+) s "
            r"\(profiles ([\d.]+) s\)",
            out,
        )
        assert found, out
        runs.append(
            {
                "customers": int(found.group(1).replace(",", "")),
                "segments": int(found.group(2)),
                "seconds": float(found.group(3)),
                "profiles": float(found.group(4)),
                "wall": wall,
            }
        )
        print(out)
    _, out = _run(db, "shell", "-c", _INCREMENTAL)
    figures = {k: float(v) for k, v in re.findall(r"^(\w+) ([\d.]+)$", out, re.M)}
    first, again = runs[0], runs[1:]
    best_again = min(again, key=lambda r: r["seconds"])
    assert first["customers"] > 0
    assert max(r["seconds"] for r in runs) <= LIMIT_SECONDS, runs

    table = [
        "| run | customers | profiles | profiles + 7 RFM segments | whole command incl. start-up |",
        "|---|---:|---:|---:|---:|",
        f"| first (empty tables) | {first['customers']:,} | {first['profiles']:.1f} s "
        f"| {first['seconds']:.1f} s | {first['wall']:.1f} s |",
        f"| again (upsert over existing rows, best of {len(again)}) | "
        f"{best_again['customers']:,} | {best_again['profiles']:.1f} s "
        f"| {best_again['seconds']:.1f} s | {best_again['wall']:.1f} s |",
        "",
        "| per customer, median of 200 | |",
        "|---|---:|",
        f"| incremental update after an order (profile + order-based segments) "
        f"| {figures.get('incremental_ms', 0):.1f} ms |",
        f"| `segments_for(user)`, cache miss | {figures.get('cold_ms', 0):.2f} ms |",
        f"| `segments_for(user)`, cache hit | {figures.get('warm_ms', 0):.3f} ms |",
        "",
        f"Data: {label}, loaded by `ecrm_load_demo` into a fresh SQLite database with the "
        "sandbox's settings (reference time: the newest order), order events backfilled. "
        "`python sandbox/manage.py ecrm_rebuild_profiles` runs in its own process; its own "
        f"time is the figure held to the target of {LIMIT_SECONDS:.0f} s (Django's start-up, "
        f"`manage.py check` alone, takes {startup:.1f} s). One aggregate query reads the "
        "orders, profiles are upserted 1,000 at a time, then each segment is evaluated "
        "set-based and only the difference is written.",
    ]
    write_section("Customer profiles", "\n".join(table))
    sys.stdout.flush()
