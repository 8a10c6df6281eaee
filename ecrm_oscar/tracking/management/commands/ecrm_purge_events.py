"""``manage.py ecrm_purge_events``: apply the tracking retention policy now.

The same work as the nightly ``ecrm.tracking.purge`` Celery task, with the settings'
defaults overridable on the command line and a ``--dry-run`` that only counts.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ecrm_oscar import conf
from ecrm_oscar.tracking import services


class Command(BaseCommand):
    help = "Purge or anonymise tracking events older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help="Age in days (default: ECRM_TRACKING_RETENTION_DAYS).",
            default=None,
        )
        parser.add_argument(
            "--mode",
            choices=services.RETENTION_MODES,
            help="anonymise or purge (default: ECRM_TRACKING_RETENTION_MODE).",
        )
        parser.add_argument("--batch-size", type=int, help="Rows per statement.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the events that would change."
        )

    def handle(self, *args, days=None, mode=None, batch_size=None, dry_run=False, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            result = services.purge_expired_events(
                days=days, mode=mode, batch_size=batch_size, dry_run=dry_run
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if dry_run and result.cutoff is not None:
            verb = "purge" if result.mode == "purge" else "anonymise"
            self.stdout.write(
                f"Would {verb} {result.events:,} events older than {result.days} days "
                f"(before {result.cutoff:%Y-%m-%d %H:%M %Z})."
            )
        else:
            self.stdout.write(str(result))
        if days is None and conf.get("ECRM_TRACKING_RETENTION_DAYS") is None:
            self.stdout.write("Pass --days to purge anyway.")
