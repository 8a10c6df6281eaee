"""``manage.py ecrm_check_loyalty``: prove balance == sum(ledger) for every account.

Exits 0 when every account's spendable, pending and reserved points equal the sums of its
ledger entries (and its reserved points equal its active checkout reservations); else
lists each account that differs and exits 1. Read-only: it never repairs anything.
"""

from django.core.management.base import BaseCommand, CommandError

from ecrm_oscar.loyalty.audit import mismatches
from ecrm_oscar.loyalty.models import LedgerEntry, LoyaltyAccount


class Command(BaseCommand):
    help = "Check that every loyalty account's balance equals the sum of its ledger."

    def handle(self, *args, **options):
        accounts = LoyaltyAccount.objects.count()
        entries = LedgerEntry.objects.count()
        found = mismatches()
        if found:
            for mismatch in found:
                self.stderr.write(str(mismatch))
            raise CommandError(
                f"{len(found)} of {accounts:,} loyalty accounts differ from their ledger."
            )
        self.stdout.write(
            f"{accounts:,} loyalty accounts, {entries:,} ledger entries: every balance, "
            "pending and reserved total equals the sum of its ledger."
        )
