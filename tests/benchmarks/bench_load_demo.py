"""Benchmark ``ecrm_load_demo``: wall time and peak memory, the sample and ``--full``.

Run by ``make bench`` (``pytest tests/benchmarks -o python_files="bench_*.py" -s``). Each
load runs in its own subprocess on a fresh temporary SQLite database (a copy of one
database migrated once, as migrating takes about 35 s), exactly as ``make demo`` runs it;
the peak memory is that subprocess's maximum resident set size. The figures go into the
"Demo data load" section of docs/benchmarks.md.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.benchmarks.report import write_section
from tests.benchmarks.sandbox_runs import full_data, measure


def _created(output: str, what: str) -> int:
    found = re.search(rf"([\d,]+) {what}\b", output)
    return int(found.group(1).replace(",", "")) if found else 0


def test_load_demo(migrated: Path, tmp_path: Path) -> None:
    cases = [("shipped sample (`ecrm_load_demo`)", [])]
    full = full_data()
    if full is not None:
        cases.append(("complete data (`ecrm_load_demo --full`)", ["--full", "--file", str(full)]))
    else:
        print(
            "\n--full skipped: the complete UCI CSV is not at ../shared/data/"
            "online_retail.csv.gz (or ECRM_DEMO_FULL_DATA)"
        )
    base_db = tmp_path / "baseline.sqlite3"
    shutil.copyfile(migrated, base_db)
    base_seconds, base_peak, _ = measure(base_db, "check")
    rows = []
    for label, args in cases:
        db = tmp_path / f"{len(rows)}.sqlite3"
        shutil.copyfile(migrated, db)
        seconds, peak, out = measure(db, "ecrm_load_demo", *args)
        again, again_peak, again_out = measure(db, "ecrm_load_demo", *args)
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
