"""``manage.py ecrm_loyalty_demo``: the demo shop's loyalty programme, from its real history.

Run by ``make demo`` after ``ecrm_load_demo``. Idempotent:

1. saves the programme's settings (the defaults: 1 point per £1, confirmed at "Complete",
   100-point steps worth £1.00, up to 50 % of an order) unless the owner already did;
2. creates the demo tiers, Silver (£1,000 in twelve months, ×1.25) and Gold (£3,000,
   ×1.5), unless there are tiers already. In the shipped sample about a third of the
   customers spend £1,000 a year and one in eight £3,000;
3. creates the loyalty email templates and the checkout's points offer;
4. awards every imported order (``ecrm_loyalty_backfill``), with tiers measured as of the
   newest order in the data (December 2011): measured from today, twelve-month windows
   would be empty and every customer would be tierless.
"""

from decimal import Decimal

from django.core.management.base import BaseCommand

from ecrm_oscar.loyalty import emails, history, redemption
from ecrm_oscar.loyalty.management.commands.ecrm_loyalty_backfill import (
    default_workers,
    write,
)
from ecrm_oscar.loyalty.models import ProgramSettings, Tier

DEMO_TIERS = [
    ("Silver", Decimal("1000"), Decimal("1.25"), "25% more points on every order."),
    ("Gold", Decimal("3000"), Decimal("1.50"), "50% more points on every order, free gift wrap."),
]


class Command(BaseCommand):
    help = "Set up the demo's loyalty programme and award points for the demo orders."

    def handle(self, *args, **options):
        if not ProgramSettings.objects.exists():
            ProgramSettings().save()
            self.stdout.write("Loyalty programme settings saved (the defaults).")
        if not Tier.objects.exists():
            for name, threshold, multiplier, perks in DEMO_TIERS:
                Tier.objects.create(
                    name=name, threshold=threshold, multiplier=multiplier, perks=perks
                )
            self.stdout.write("Loyalty tiers created: Silver (£1,000 a year), Gold (£3,000).")
        emails.ensure_event_types()
        redemption.points_offer()
        report = history.backfill(as_of=history.latest_order_date(), workers=default_workers(None))
        write(self.stdout, report)
