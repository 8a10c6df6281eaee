"""``manage.py ecrm_loyalty_backfill``: award points for the existing order history.

Idempotent: orders already awarded (by a backfill or the live receivers) are skipped, so
running it again awards nothing. ``--as-of`` is the moment tiers are measured at: ``now``
(default), ``latest`` (the newest order: for imported history that ended in the past), or
a date (YYYY-MM-DD).
"""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from ecrm_oscar.loyalty import history


def parse_as_of(value: str):
    if value == "now":
        return timezone.now()
    if value == "latest":
        return history.latest_order_date() or timezone.now()
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"--as-of takes now, latest or YYYY-MM-DD, not {value!r}") from None
    return timezone.make_aware(datetime.combine(day, time.max))


class Command(BaseCommand):
    help = "Award loyalty points for existing orders (idempotent) and place customers in tiers."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default="now", help="now, latest, or YYYY-MM-DD")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="writer threads (default: 4 on PostgreSQL, 1 on other databases)",
        )

    def handle(self, *args, as_of, workers, **options):
        report = history.backfill(as_of=parse_as_of(as_of), workers=default_workers(workers))
        write(self.stdout, report)


def default_workers(workers: int | None) -> int:
    """Parallel writers only where the database has row locks and real concurrency, and
    never inside a transaction (the writers' own connections could not see its rows)."""
    if workers is not None:
        if workers < 1:
            raise CommandError("--workers is at least 1")
        return workers
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return 4


def write(out, report) -> None:
    if report.orders:
        out.write(
            f"Awarded {report.orders:,} orders ({report.points:,} points) to "
            f"{report.customers:,} customers in {report.award_seconds:.1f} s "
            f"({report.orders_per_second:,.0f} orders/s); {report.skipped:,} skipped."
        )
    else:
        out.write(f"Loyalty history: nothing to do ({report.skipped:,} orders already awarded).")
    if report.tiers:
        placed = ", ".join(
            f"{name or 'no tier'} {count:,}" for name, count in sorted(report.tiers.items())
        )
        when = report.as_of.strftime("%-d %B %Y") if report.as_of else "now"
        out.write(f"Tiers as of {when}: {placed}.")
