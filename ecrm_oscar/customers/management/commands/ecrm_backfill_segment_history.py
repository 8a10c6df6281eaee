"""``manage.py ecrm_backfill_segment_history``: RFM segment movements of the past orders."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from ecrm_oscar.customers.history import backfill_segment_history
from ecrm_oscar.customers.management.commands._progress import tqdm_factory
from ecrm_oscar.customers.models import SegmentChange


class Command(BaseCommand):
    help = (
        "Reconstruct every customer's monthly RFM segment from the order history and record "
        "the changes (before the first recorded recompute), so segment movements show for "
        "imported history. Replaces an earlier reconstruction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when a reconstruction was already written.",
        )

    def handle(self, *args, if_empty=False, **options):
        verbosity = options["verbosity"]
        done = SegmentChange.objects.filter(source=SegmentChange.Source.BACKFILL).exists()
        if if_empty and done:
            if verbosity > 0:
                self.stdout.write("The segment history was already reconstructed, nothing to do.")
            return
        report = backfill_segment_history(progress=tqdm_factory(verbosity > 0))
        if verbosity > 0:
            self.stdout.write(
                f"Reconstructed {report.months} months of RFM segments: {report.written:,} "
                f"changes, {report.stitched:,} joined to the recorded history"
                + (f" (until {report.until:%Y-%m-%d %H:%M})" if report.until else "")
                + "."
            )
