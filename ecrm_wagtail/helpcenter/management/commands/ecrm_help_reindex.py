"""``manage.py ecrm_help_reindex``: rebuild the help center's passage index in bulk."""

from django.core.management.base import BaseCommand

from ecrm_wagtail.helpcenter import indexing


class Command(BaseCommand):
    help = "Rebuild the help center passage index and vocabulary from the live articles."

    def handle(self, *args, **options) -> None:
        total = indexing.rebuild_index()
        self.stdout.write(f"Indexed {total} passages.")
