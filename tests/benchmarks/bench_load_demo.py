"""Benchmark ``ecrm_load_demo``: wall time and peak memory, the sample and ``--full``.

Run by ``make bench`` (``pytest tests/benchmarks -o python_files="bench_*.py" -s``). Each
load runs in its own subprocess on a fresh temporary SQLite database (a copy of one
database migrated once, as migrating takes about 35 s), exactly as ``make demo`` runs it;
the peak memory is that subprocess's maximum resident set size. The figures go into the
"Demo data load" section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.report import write_section

REPO = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(REPO / "sandbox" / "manage.py")]

# Runs argv and writes its children's peak RSS (KiB on Linux) to the file named first.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:]).returncode\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def _env(db: Path) -> dict[str, str]:
    """The sandbox's own settings (not pytest's tests.settings) on the database ``db``."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    return env


def _measure(db: Path, *args: str) -> tuple[float, float, str]:
    """(seconds, peak MB, stdout) of ``manage.py <args>`` against ``db``."""
    rss_file = db.with_suffix(".rss")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(rss_file), *MANAGE, *args],
        env=_env(db),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-3000:]
    peak_mb = int(rss_file.read_text()) / 1024
    return seconds, peak_mb, done.stdout


def _created(output: str, what: str) -> int:
    found = re.search(rf"([\d,]+) {what}\b", output)
    return int(found.group(1).replace(",", "")) if found else 0


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("bench") / "migrated.sqlite3"
    started = time.perf_counter()
    subprocess.run([*MANAGE, "migrate", "--noinput", "-v0"], env=_env(db), check=True, cwd=REPO)
    print(f"\nmigrate: {time.perf_counter() - started:.1f} s (not part of the figures)")
    return db


def _full_data() -> Path | None:
    configured = os.environ.get("ECRM_DEMO_FULL_DATA")
    path = (
        Path(configured) if configured else REPO.parent / "shared" / "data" / "online_retail.csv.gz"
    )
    return path if path.is_file() else None


def test_load_demo(migrated: Path, tmp_path: Path) -> None:
    cases = [("shipped sample (`ecrm_load_demo`)", [])]
    full = _full_data()
    if full is not None:
        cases.append(("complete data (`ecrm_load_demo --full`)", ["--full", "--file", str(full)]))
    else:
        print(
            "\n--full skipped: the complete UCI CSV is not at ../shared/data/"
            "online_retail.csv.gz (or ECRM_DEMO_FULL_DATA)"
        )
    base_db = tmp_path / "baseline.sqlite3"
    shutil.copyfile(migrated, base_db)
    base_seconds, base_peak, _ = _measure(base_db, "check")
    rows = []
    for label, args in cases:
        db = tmp_path / f"{len(rows)}.sqlite3"
        shutil.copyfile(migrated, db)
        seconds, peak, out = _measure(db, "ecrm_load_demo", *args)
        again, again_peak, again_out = _measure(db, "ecrm_load_demo", *args)
        assert "nothing to do" in again_out, again_out
        lines = int(re.search(r"read\s+([\d,]+) lines", out).group(1).replace(",", ""))
        row = {
            "label": label,
            "lines": lines,
            "orders": _created(out, "orders"),
            "order lines": _created(out, "order lines"),
            "products": _created(out, "products"),
            "customers": _created(out, "customers"),
            "seconds": seconds,
            "peak": peak,
            "again": again,
            "db": db.stat().st_size / 1e6,
        }
        rows.append(row)
        print(
            f"\n{label}: {seconds:.1f} s, peak {peak:.0f} MB; second run {again:.1f} s; "
            f"{row['orders']:,} orders, {row['order lines']:,} lines\n{out}"
        )
        assert row["orders"] > 0 and row["order lines"] > 0

    table = [
        "| data | CSV lines | products | customers | orders | order lines | first run "
        "| peak memory | second run | SQLite file |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        table.append(
            f"| {r['label']} | {r['lines']:,} | {r['products']:,} | {r['customers']:,} "
            f"| {r['orders']:,} | {r['order lines']:,} | {r['seconds']:.1f} s "
            f"| {r['peak']:.0f} MB | {r['again']:.1f} s | {r['db']:.0f} MB |"
        )
    notes = [
        "",
        "Each run is `python sandbox/manage.py ecrm_load_demo [...]` in its own process on a "
        "freshly migrated, empty SQLite database, so the times include Django's start-up "
        f"(`manage.py check` alone: {base_seconds:.1f} s, {base_peak:.0f} MB). *Peak memory* "
        "is that process's maximum resident set size. The "
        "*second run* is the same command again: it parses the file, finds everything "
        "present and writes nothing (what `make demo` does on every start after the first).",
    ]
    if full is None:
        notes.append("")
        notes.append("`--full` was not measured: the complete UCI CSV was not available.")
    write_section("Demo data load", "\n".join(table + notes))
