"""``manage.py ecrm_backfill_events``: timeline events for orders imported without signals."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ecrm_oscar.customers.backfill import backfill_order_events
from ecrm_oscar.customers.management.commands._progress import tqdm_factory


class Command(BaseCommand):
    help = (
        "Write an order_placed event (channel 'import') for every customer order that has "
        "none, dated when it was placed, so imported history shows on 360° timelines. "
        "Idempotent."
    )

    def handle(self, *args, **options):
        written = backfill_order_events(progress=tqdm_factory(options["verbosity"] > 0))
        if options["verbosity"] > 0:
            if written:
                self.stdout.write(f"Backfilled {written:,} order events.")
            else:
                self.stdout.write("Every customer order has its event, nothing to do.")
