"""``manage.py ecrm_make_demo_sample``: rebuild the shipped subset of the UCI data.

The rule and its reasons are in :mod:`sandbox.demo.sample` and docs/demo-data.md.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.demo import loader
from sandbox.demo.sample import SAMPLE_PATH, make_sample


class Command(BaseCommand):
    help = (
        "Write sandbox/demo/data/online_retail_sample.csv.gz from the complete UCI Online "
        "Retail CSV: customers whose id % 5 == 0 and guest invoices whose number % 5 == 0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            metavar="PATH",
            help="The complete CSV (default: ECRM_DEMO_FULL_DATA or "
            "../shared/data/online_retail.csv.gz).",
        )
        parser.add_argument("--output", metavar="PATH", default=str(SAMPLE_PATH))

    def handle(self, *args, source: str | None, output: str, **options) -> None:
        try:
            path = loader.full_data_path(source)
        except loader.DemoDataMissing as exc:
            raise CommandError(str(exc)) from exc
        stats = make_sample(path, Path(output))
        self.stdout.write(
            f"{output}: {stats.lines_written:,} of {stats.lines_read:,} lines "
            f"({stats.customers:,} customers, {stats.guest_invoices:,} guest invoices), "
            f"{stats.bytes_written / 1e6:.2f} MB"
        )
