"""``manage.py ecrm_train_recommendations``: recompute every stored recommendation list now."""

from django.core.management.base import BaseCommand, CommandParser

from ecrm_oscar.recommendations import services
from ecrm_oscar.recommendations.models import Recommendation
from ecrm_oscar.recommendations.training import train_all


class Command(BaseCommand):
    help = "Train the recommenders on the shop's order history and store their lists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only train when no list is stored yet (what `make demo` does on every start)",
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and Recommendation.objects.exists():
            self.stdout.write("Recommendations already trained; run without --if-empty to retrain.")
            return
        report = train_all()
        services.lists_changed()  # the read side's cached lists are retired at once
        rows = ", ".join(f"{count:,} {name}" for name, count in report.rows.items())
        self.stdout.write(
            f"Trained on {report.customers:,} customers and {report.products:,} products "
            f"in {report.seconds:.1f} s: {rows} rows."
        )
        if options["verbosity"] > 1:
            steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.steps.items())
            self.stdout.write(f"Steps: {steps}.")
