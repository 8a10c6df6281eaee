"""``manage.py ecrm_load_demo [--full] [--file PATH]``: load the demo shop's data.

Thin wrapper: the work is in :mod:`sandbox.demo.loader`; this turns its errors into
``CommandError`` and its report into text.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.demo import loader
from sandbox.demo.dataset import SKIP_REASONS, DataError


class Command(BaseCommand):
    help = (
        "Load the UCI Online Retail demo data (the shipped sample, or --full) as Oscar "
        "products, customers and orders, plus the Wagtail home page and help center. "
        "Idempotent: a second run creates nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Load the complete data (541,909 lines) from --file, ECRM_DEMO_FULL_DATA "
            "or ../shared/data/online_retail.csv.gz instead of the shipped sample.",
        )
        parser.add_argument(
            "--file", metavar="PATH", help="Load this CSV (gzip or plain) in the UCI format."
        )

    def handle(self, *args, full: bool = False, file: str | None = None, **options) -> None:
        verbosity = options["verbosity"]
        try:
            if full:
                path = loader.full_data_path(file)
            elif file:
                path = Path(file)
                if not path.is_file():
                    raise loader.DemoDataMissing(f"{file} does not exist (--file).")
            else:
                path = None  # the shipped sample
            show = verbosity > 0 and sys.stderr.isatty()
            report = loader.load_demo(path, progress=_tqdm_factory() if show else None)
        except (loader.DemoDataMissing, DataError) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity > 0:
            self.stdout.write(format_report(report, verbose=verbosity > 1))


def _tqdm_factory() -> Callable[[str, int, str], Callable[[int], None]]:
    from tqdm import tqdm

    def factory(description: str, total: int, unit: str) -> Callable[[int], None]:
        bar = tqdm(
            total=total,
            desc=description,
            unit=unit.strip() or "it",
            unit_scale=unit == "B",
            leave=False,
            dynamic_ncols=True,
        )

        def tick(n: int) -> None:
            bar.update(n)
            if bar.n >= bar.total:
                bar.close()

        return tick

    return factory


_SINGULAR = {
    "admin users": "admin user",
    "categories": "category",
    "countries": "country",
    "partners": "partner",
    "product classes": "product class",
    "shipping addresses": "shipping address",
}


def _count(n: int, what: str) -> str:
    if n == 1:
        what = _SINGULAR.get(what, what.removesuffix("s"))
    return f"{n:,} {what}"


def format_report(report: loader.LoadReport, verbose: bool = False) -> str:
    """The end-of-load summary: what was created, what was there, what was skipped."""
    out = []
    seconds = report.read_seconds + report.write_seconds
    created = report.created
    if report.changed:
        out.append(
            f"Loaded {report.path.name} in {seconds:.1f} s "
            f"(read {report.read_seconds:.1f} s, write {report.write_seconds:.1f} s):"
        )
        out.append("  created   " + ", ".join(_count(n, what) for what, n in created.items() if n))
    else:
        out.append(
            f"Demo data of {report.path.name} already loaded, nothing to do ({seconds:.1f} s)."
        )
    present = report.present
    if any(present.values()):
        out.append(
            f"  already there: {present['products']:,} products, "
            f"{present['customers']:,} customers, {present['orders']:,} orders"
        )
    out.append(
        f"  read      {report.lines_read:,} lines; {report.lines_kept:,} became order lines, "
        f"{sum(report.skipped.values()):,} were skipped:"
    )
    for reason in SKIP_REASONS:
        line = f"    {report.skipped[reason]:>9,}  {reason}"
        if reason != "guest" and report.quirks[reason] != report.skipped[reason]:
            line += f" (lines with this quirk in all: {report.quirks[reason]:,})"
        out.append(line)
    if report.non_merchandise:
        codes = ", ".join(f"{code} {n:,}" for code, n in report.non_merchandise.most_common())
        out.append(f"    non-merchandise codes seen: {codes}")
    if report.unknown_countries:
        names = ", ".join(sorted(report.unknown_countries))
        out.append(f"  countries not in the loader's table, shipped to ZZ (unknown): {names}")
    if verbose and report.categories:
        out.append("  category tree (leaf: products):")
        for leaf, n in report.categories:
            out.append(f"    {n:>5,}  {' > '.join(leaf)}")
    return "\n".join(out)
