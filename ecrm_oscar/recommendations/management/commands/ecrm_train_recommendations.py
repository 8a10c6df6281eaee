"""``manage.py ecrm_train_recommendations``: recompute every stored recommendation list now."""

from django.core.management.base import BaseCommand

from ecrm_oscar.recommendations.training import train_all


class Command(BaseCommand):
    help = "Train the recommenders on the shop's order history and store their lists."

    def handle(self, *args, **options) -> None:
        report = train_all()
        rows = ", ".join(f"{count:,} {name}" for name, count in report.rows.items())
        self.stdout.write(
            f"Trained on {report.customers:,} customers and {report.products:,} products "
            f"in {report.seconds:.1f} s: {rows} rows."
        )
