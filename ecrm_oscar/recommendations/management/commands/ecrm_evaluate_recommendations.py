"""``manage.py ecrm_evaluate_recommendations``: offline quality of the recommenders, as JSON."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecrm_oscar.recommendations import evaluation
from ecrm_oscar.recommendations.algorithms import STRATEGIES


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


class Command(BaseCommand):
    help = (
        "Evaluate recommenders on a CSV of purchases (leave-last-order-out; see "
        "docs/recommendations.md) and print HitRate, Recall, NDCG and coverage as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV file (optionally .gz) with one row per purchase")
        parser.add_argument("--user-column", required=True)
        parser.add_argument("--item-column", required=True)
        parser.add_argument("--timestamp-column", required=True)
        parser.add_argument("--order-column", help="order id; default: (user, minute)")
        parser.add_argument("--quantity-column", help="rows with quantity <= 0 are skipped")
        parser.add_argument("--price-column", help="rows with price <= 0 are skipped")
        parser.add_argument(
            "--exclude-items",
            type=_codes,
            default=[],
            help="comma-separated item ids that are not products (fees, ...)",
        )
        parser.add_argument("--exclude-item-prefixes", type=_codes, default=[])
        parser.add_argument("--delimiter", default=",")
        parser.add_argument(
            "--strategy",
            action="append",
            choices=sorted(STRATEGIES),
            help="repeatable; default: every strategy",
        )
        parser.add_argument("--mode", choices=["all", "new", "both"], default="both")
        parser.add_argument("-k", type=int, default=10)
        parser.add_argument(
            "--split",
            choices=["test", "validation"],
            default="test",
            help="validation: hold out each repeat customer's last *training* order instead "
            "(what the defaults were chosen on; never the test orders)",
        )

    def handle(self, *args, **options) -> None:
        if options["k"] <= 0:
            raise CommandError("-k must be a positive number of recommendations")
        columns = evaluation.PurchaseColumns(
            user=options["user_column"],
            item=options["item_column"],
            timestamp=options["timestamp_column"],
            order=options["order_column"],
            quantity=options["quantity_column"],
            price=options["price_column"],
            exclude_items=frozenset(options["exclude_items"]),
            exclude_item_prefixes=tuple(options["exclude_item_prefixes"]),
            delimiter=options["delimiter"],
        )
        try:
            orders, read = evaluation.read_orders(options["path"], columns)
        except evaluation.PurchaseDataError as error:
            raise CommandError(f"{options['path']}: {error}") from None
        split = (
            evaluation.validation_split(orders)
            if options["split"] == "validation"
            else evaluation.leave_last_out(orders)
        )
        interactions = split.interactions()
        modes = ["all", "new"] if options["mode"] == "both" else [options["mode"]]
        result: dict = {
            "data": {
                "lines": read.lines,
                "purchases": read.kept,
                "skipped": dict(read.skipped),
                "users": len(orders),
                "orders": sum(len(user_orders) for user_orders in orders.values()),
                "items": len(interactions.items),
                "held_out_users": len(split.test),
            },
            "protocol": "leave-last-order-out",
            "split": options["split"],
            "k": options["k"],
            "results": {},
        }
        for name in options["strategy"] or sorted(STRATEGIES):
            started = time.perf_counter()
            factory = STRATEGIES[name]
            model = factory(interactions)
            trained = time.perf_counter() - started
            figures = {"train_seconds": round(trained, 3)}
            for mode in modes:
                figures[mode] = evaluation.evaluate(
                    model.recommend, split, interactions, k=options["k"], mode=mode
                )
            result["results"][name] = figures
        self.stdout.write(json.dumps(result, indent=2))
