"""``manage.py ecrm_demo_info``: where the demo shop is and how to log in to it.

With ``--set-site`` it also points Django's current site at that address: emails build
their absolute links from it (automation's tracked links, unsubscribe, survey; Oscar's
and loyalty's emails), and Django's default ``example.com`` would send every click from
a demo email to a stranger's domain.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from sandbox.demo import loader


class Command(BaseCommand):
    help = "Print the demo shop's URLs, logins and what is loaded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--set-site",
            action="store_true",
            help="Point Django's current site (links in emails) at HOST:PORT.",
        )

    def handle(self, *args, host: str, port: str, set_site: bool = False, **options) -> None:
        base = f"http://{host}:{port}"
        if set_site:
            from django.contrib.sites.models import Site

            site = Site.objects.get_current()
            site.domain = f"{host}:{port}"
            site.save(update_fields=["domain"])
            Site.objects.clear_cache()
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
            *([f"  links in emails  {base}/ (Django's site)"] if set_site else []),
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
