"""``manage.py ecrm_demo_info``: where the demo shop is and how to log in to it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from sandbox.demo import loader


class Command(BaseCommand):
    help = "Print the demo shop's URLs, logins and what is loaded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host: str, port: str, **options) -> None:
        base = f"http://{host}:{port}"
        summary = loader.demo_summary()
        lines = [
            "",
            f"Demo shop: {base}/",
            f"  storefront       {base}/",
            f"  catalogue        {base}/catalogue/",
            f"  help center      {base}/help/",
            f"  Oscar dashboard  {base}/dashboard/",
            f"  eCRM customers   {base}/dashboard/ecrm/customers/",
            f"  recommendations  {base}/dashboard/recommendations/",
            f"  Wagtail admin    {base}/cms/",
            f"  Django admin     {base}/admin/",
            "",
            f"  staff login      {loader.ADMIN_EMAIL} / {loader.ADMIN_PASSWORD}",
        ]
        if summary.sample_customer_email:
            lines.append(
                f"  customer login   {summary.sample_customer_email} / {loader.DEMO_PASSWORD}"
                f"  ({summary.sample_customer_orders} orders; every imported customer "
                f"customer-<CustomerID>@example.com has the password {loader.DEMO_PASSWORD!r})"
            )
        lines += [
            "",
            f"  loaded: {summary.products:,} products in {summary.categories:,} categories, "
            f"{summary.customers:,} customers, {summary.orders:,} orders",
            "",
        ]
        self.stdout.write("\n".join(lines))
