"""Load the UCI Online Retail data into the demo shop: catalogue, customers, order history.

``python sandbox/manage.py ecrm_load_demo`` is a thin wrapper around :func:`load_demo`.
The load happens in two halves so bad input can never leave a half-loaded shop:

1. :func:`sandbox.demo.dataset.read_dataset` parses and validates the whole file (no
   database access); any problem raises ``DataError`` naming the line.
2. :func:`write_dataset` creates what is missing, in one ``transaction.atomic()`` block.

Rows are written with ``bulk_create`` in batches, which fires no ``post_save`` and no Oscar
``order_placed`` signal. That is intended: this is last year's history being imported, not
live checkouts, so receivers (emails, stock allocation, analytics, django-ecrm's own event
capture) must not react to it as if customers were buying right now.

The load is idempotent: everything is keyed on the data (product UPC = StockCode, partner
SKU = StockCode, username ``customer-<CustomerID>``, order number = invoice number), only
missing rows are created, and when nothing is missing the write half is skipped entirely.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, reset_queries, transaction
from django.db.models import Q
from django.utils.text import slugify
from oscar.core.loading import get_model

from ecrm_oscar import conf
from sandbox.demo import categories as category_rules
from sandbox.demo.dataset import (
    Dataset,
    OrderInfo,
    ProductInfo,
    group_orders,
    line_total,
    read_dataset,
    summarise_products,
    title_case,
)
from sandbox.demo.sample import SAMPLE_PATH

REPO_DIR = Path(__file__).resolve().parents[2]

#: Where ``--full`` looks when neither ``--file`` nor ECRM_DEMO_FULL_DATA says otherwise.
DEFAULT_FULL_DATA = REPO_DIR.parent / "shared" / "data" / "online_retail.csv.gz"
UCI_URL = "https://archive.ics.uci.edu/dataset/352/online+retail"

#: Every imported customer logs in with this password (the demo is public anyway).
DEMO_PASSWORD = "demo"
ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin"

PARTNER_NAME = "Online Retail"
PRODUCT_CLASS_NAME = "Gift"
CURRENCY = "GBP"
ORDER_STATUS = "Complete"
SHIPPING_METHOD = "Demo import"
SHIPPING_CODE = "demo-import"
#: Category.code of the derived tree starts with this, so re-runs find their categories.
CATEGORY_CODE_PREFIX = "demo:"
BATCH_ORDERS = 500

#: The data's country names -> ISO 3166-1 alpha-2. Pseudo-countries, documented choices:
#: "Channel Islands" has no code of its own: Jersey (JE), the larger bailiwick, stands in;
#: "European Community" gets EU, ISO's exceptionally reserved code for the European Union;
#: "Unspecified" (and any name not in this table) gets ZZ, the user-assigned "unknown".
COUNTRY_CODES: dict[str, str] = {
    "United Kingdom": "GB",
    "EIRE": "IE",
    "RSA": "ZA",
    "USA": "US",
    "Channel Islands": "JE",
    "European Community": "EU",
    "Unspecified": "ZZ",
    "Australia": "AU",
    "Austria": "AT",
    "Bahrain": "BH",
    "Belgium": "BE",
    "Brazil": "BR",
    "Canada": "CA",
    "Cyprus": "CY",
    "Czech Republic": "CZ",
    "Denmark": "DK",
    "Finland": "FI",
    "France": "FR",
    "Germany": "DE",
    "Greece": "GR",
    "Hong Kong": "HK",
    "Iceland": "IS",
    "Israel": "IL",
    "Italy": "IT",
    "Japan": "JP",
    "Lebanon": "LB",
    "Lithuania": "LT",
    "Malta": "MT",
    "Netherlands": "NL",
    "Norway": "NO",
    "Poland": "PL",
    "Portugal": "PT",
    "Saudi Arabia": "SA",
    "Singapore": "SG",
    "Spain": "ES",
    "Sweden": "SE",
    "Switzerland": "CH",
    "United Arab Emirates": "AE",
}
UNKNOWN_COUNTRY = "ZZ"

#: ISO alpha-2 -> (alpha-3, numeric, name) for the Country rows the loader may create.
#: EU and ZZ are not shipping countries, so checkout never offers them.
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "AE": ("ARE", "784", "United Arab Emirates"),
    "AT": ("AUT", "040", "Austria"),
    "AU": ("AUS", "036", "Australia"),
    "BE": ("BEL", "056", "Belgium"),
    "BH": ("BHR", "048", "Bahrain"),
    "BR": ("BRA", "076", "Brazil"),
    "CA": ("CAN", "124", "Canada"),
    "CH": ("CHE", "756", "Switzerland"),
    "CY": ("CYP", "196", "Cyprus"),
    "CZ": ("CZE", "203", "Czechia"),
    "DE": ("DEU", "276", "Germany"),
    "DK": ("DNK", "208", "Denmark"),
    "ES": ("ESP", "724", "Spain"),
    "EU": ("", "", "European Union (country not given)"),
    "FI": ("FIN", "246", "Finland"),
    "FR": ("FRA", "250", "France"),
    "GB": ("GBR", "826", "United Kingdom"),
    "GR": ("GRC", "300", "Greece"),
    "HK": ("HKG", "344", "Hong Kong"),
    "IE": ("IRL", "372", "Ireland"),
    "IL": ("ISR", "376", "Israel"),
    "IS": ("ISL", "352", "Iceland"),
    "IT": ("ITA", "380", "Italy"),
    "JE": ("JEY", "832", "Jersey"),
    "JP": ("JPN", "392", "Japan"),
    "LB": ("LBN", "422", "Lebanon"),
    "LT": ("LTU", "440", "Lithuania"),
    "MT": ("MLT", "470", "Malta"),
    "NL": ("NLD", "528", "Netherlands"),
    "NO": ("NOR", "578", "Norway"),
    "PL": ("POL", "616", "Poland"),
    "PT": ("PRT", "620", "Portugal"),
    "SA": ("SAU", "682", "Saudi Arabia"),
    "SE": ("SWE", "752", "Sweden"),
    "SG": ("SGP", "702", "Singapore"),
    "US": ("USA", "840", "United States"),
    "ZA": ("ZAF", "710", "South Africa"),
    "ZZ": ("", "", "Unknown country"),
}
NOT_SHIPPING = frozenset({"EU", "ZZ"})

HOME_INTRO = (
    "<p>Gifts and homeware from a UK online retailer: the products and a year of real "
    "orders (December 2010 to December 2011) come from the UCI Online Retail data set "
    "(Chen, Sain &amp; Guo, 2012; CC BY 4.0), loaded by django-ecrm's demo.</p>"
)
#: Personalised blocks of the demo home page (SegmentContentBlock, docs/blocks.md): the
#: page is the same for everyone; each visitor's part is fetched by a small script.
HOME_BODY = [
    {
        "type": "personalised",
        "value": {
            "audience": "returning",
            "segments": [],
            "greeting": True,
            "greeting_text": "Welcome back, {name}!",
            "content": '<p>Your orders are in <a href="/accounts/">your account</a>.</p>',
        },
    },
    {
        "type": "personalised",
        "value": {
            "audience": "segments",
            "segments": ["champions", "loyal"],
            "greeting": False,
            "greeting_text": "",
            "content": "<p>Thank you for being one of our best customers: new Christmas "
            "decorations arrive every week.</p>",
        },
    },
    {
        "type": "personalised",
        "value": {
            "audience": "segments",
            "segments": ["at-risk", "hibernating", "lost"],
            "greeting": False,
            "greeting_text": "",
            "content": "<p>We have missed you! Have a look at what is new since your last "
            "order.</p>",
        },
    },
    {
        "type": "personalised",
        "value": {
            "audience": "new",
            "segments": [],
            "greeting": False,
            "greeting_text": "",
            "content": "<p>New here? Every product comes from a real UK gift shop's "
            "catalogue: start with a category below.</p>",
        },
    },
    # RecommendationsBlock: the strategy the owner chose for Wagtail pages ("recommended
    # for you" by default, trending for new visitors), fetched per visitor.
    {"type": "recommendations", "value": {"heading": "", "strategy": "", "limit": 6}},
    {"type": "loyalty", "value": {"heading": "Your rewards", "show_how_to_earn": True}},
]
HELP_INTRO = (
    "<p>Answers about ordering, delivery, returns and your account. Browse the topics "
    "below or search the help center.</p>"
)


class DemoDataMissing(FileNotFoundError):
    """The complete UCI data was asked for (--full) but is not where we looked."""


def customer_username(customer_id: int) -> str:
    """The demo login of a data customer: ``customer-17850``."""
    return f"customer-{customer_id}"


def customer_email(customer_id: int) -> str:
    """A reserved-domain address (example.com), so no mail ever reaches a real person."""
    return f"customer-{customer_id}@example.com"


def country_code(name: str) -> str:
    """ISO code for a country name of the data (ZZ, "unknown", for names not in the table)."""
    return COUNTRY_CODES.get(name, UNKNOWN_COUNTRY)


def full_data_path(file: str | Path | None = None) -> Path:
    """Where the complete CSV is: ``file``, else ECRM_DEMO_FULL_DATA, else the default.

    Raises :class:`DemoDataMissing` with download instructions when it is not there.
    """
    configured = file or conf.get("ECRM_DEMO_FULL_DATA")
    path = Path(configured).expanduser() if configured else DEFAULT_FULL_DATA
    if not path.is_file():
        how = "--file" if file else "ECRM_DEMO_FULL_DATA" if configured else "the default location"
        raise DemoDataMissing(
            f"The complete UCI Online Retail data was not found at {path} (from {how}). "
            f"Download 'Online Retail' from {UCI_URL} (CC BY 4.0), save it as a CSV with the "
            "header InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
            "CustomerID,Country (gzip optional), then pass --file PATH or set "
            "ECRM_DEMO_FULL_DATA. Without --full the shipped sample is loaded."
        )
    return path


@dataclass
class LoadReport:
    """What one run read, created, found already there and skipped (for the command)."""

    path: Path
    lines_read: int = 0
    lines_kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    quirks: Counter = field(default_factory=Counter)
    non_merchandise: Counter = field(default_factory=Counter)
    unknown_countries: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)
    categories: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    read_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(self.created.values())


@dataclass
class _Plan:
    """What is missing from the database, computed with a handful of cheap queries."""

    products: list[ProductInfo]
    stockrecords: list[ProductInfo]
    customers: dict[int, datetime]  # customer id -> date joined (their first order)
    orders: list[OrderInfo]

    @property
    def empty(self) -> bool:
        return not (self.products or self.stockrecords or self.customers or self.orders)


def load_demo(
    path: Path | None = None,
    *,
    progress: Callable[[str, int, str], Callable[[int], None]] | None = None,
) -> LoadReport:
    """Read ``path`` (default: the shipped sample) and create what the shop lacks of it.

    ``progress(description, total, unit)`` may return a callback taking increments; the
    command passes a tqdm factory. Raises ``DataError`` for bad input before any write.
    """
    path = Path(path) if path else SAMPLE_PATH
    report = LoadReport(path=path)
    started = time.monotonic()
    data = read_dataset(
        path, progress("Reading " + path.name, path.stat().st_size, "B") if progress else None
    )
    products = summarise_products(data.lines)
    orders = group_orders(data.lines)
    _fill_read_report(report, data)
    report.read_seconds = time.monotonic() - started

    started = time.monotonic()
    write_dataset(report, products, orders, progress=progress)
    report.write_seconds = time.monotonic() - started
    return report


def _fill_read_report(report: LoadReport, data: Dataset) -> None:
    report.lines_read = data.lines_read
    report.lines_kept = len(data.lines)
    report.skipped = data.skipped
    report.quirks = data.quirks
    report.non_merchandise = data.non_merchandise
    report.unknown_countries = Counter(
        line.country for line in data.lines if line.country not in COUNTRY_CODES
    )


def write_dataset(
    report: LoadReport,
    products: dict[str, ProductInfo],
    orders: list[OrderInfo],
    *,
    progress: Callable[[str, int, str], Callable[[int], None]] | None = None,
) -> None:
    """Create the missing catalogue, customers, orders and site pages in one transaction."""
    tree = category_rules.build_tree({code: p.description for code, p in products.items()})
    report.categories = category_rules.leaf_counts(tree)
    with transaction.atomic():
        partner = _partner()
        plan = _plan(products, orders, partner)
        report.present.update(
            products=len(products) - len(plan.products),
            customers=len({o.customer for o in orders}) - len(plan.customers),
            orders=len(orders) - len(plan.orders),
        )
        if not plan.empty:
            _write(report, plan, tree, partner, progress)
        _ensure_admin(report)
        _ensure_pages(report)
    _refresh_search_index(force=bool(report.created["products"]))


def _refresh_search_index(force: bool) -> None:
    """Index the products when Oscar's haystack search has a real index.

    ``bulk_create`` sends no ``post_save``, so no signal processor hears of the products;
    an index that was deleted (``var/`` removed) is rebuilt on the next run too.
    Haystack's simple engine searches the database directly and needs nothing.
    """
    connections = getattr(settings, "HAYSTACK_CONNECTIONS", {})
    engine = connections.get("default", {}).get("ENGINE", "")
    if not engine or engine.endswith("simple_backend.SimpleEngine"):
        return
    if not force:
        from haystack.query import SearchQuerySet

        Product = get_model("catalogue", "Product")
        indexed = SearchQuerySet().models(Product).count()
        force = indexed != Product.objects.browsable().count()
    if force:
        call_command("update_index", "catalogue", verbosity=0)


def _partner():
    Partner = get_model("partner", "Partner")
    return Partner.objects.filter(name=PARTNER_NAME).first()


def _plan(products: dict[str, ProductInfo], orders: list[OrderInfo], partner) -> _Plan:
    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    Order = get_model("order", "Order")
    User = get_user_model()

    existing_upcs = set(
        Product.objects.filter(upc__isnull=False).order_by().values_list("upc", flat=True)
    )
    skus: set[str] = set()
    if partner is not None:
        skus = set(
            StockRecord.objects.filter(partner=partner)
            .order_by()
            .values_list("partner_sku", flat=True)
        )
    usernames = set(
        User.objects.filter(**{f"{User.USERNAME_FIELD}__startswith": "customer-"}).values_list(
            User.USERNAME_FIELD, flat=True
        )
    )
    numbers = set(Order.objects.order_by().values_list("number", flat=True))

    joined: dict[int, datetime] = {}
    for order in orders:  # in time order: the first order is the customer's join date
        if customer_username(order.customer) not in usernames:
            joined.setdefault(order.customer, order.placed)
    return _Plan(
        products=[p for code, p in products.items() if code not in existing_upcs],
        stockrecords=[p for code, p in products.items() if code not in skus],
        customers=joined,
        orders=[o for o in orders if o.number not in numbers],
    )


def _write(report: LoadReport, plan: _Plan, tree, partner, progress) -> None:
    Partner = get_model("partner", "Partner")
    if partner is None:
        partner = Partner.objects.create(name=PARTNER_NAME)
        report.created["partners"] += 1
    product_class = _product_class(report)
    categories = _ensure_categories(report, sorted(set(tree[p.code] for p in plan.products)))
    _create_products(report, plan.products, tree, product_class, categories)
    product_ids = _product_ids()
    stockrecord_ids = _create_stockrecords(report, plan.stockrecords, partner, product_ids)
    user_ids = _create_customers(report, plan.customers)
    countries = _ensure_countries(report, {o.country for o in plan.orders})
    _create_orders(
        report, plan.orders, partner, product_ids, stockrecord_ids, user_ids, countries, progress
    )


def _product_class(report: LoadReport):
    ProductClass = get_model("catalogue", "ProductClass")
    product_class = ProductClass.objects.filter(name=PRODUCT_CLASS_NAME).first()
    if product_class is None:
        product_class = ProductClass.objects.create(
            name=PRODUCT_CLASS_NAME, requires_shipping=True, track_stock=True
        )
        report.created["product classes"] += 1
    return product_class


def _category_code(path: Iterable[str]) -> str:
    return CATEGORY_CODE_PREFIX + "/".join(slugify(name) for name in path)


def _top_level_order() -> list[str]:
    tops = [top for top, _ in category_rules.CATEGORY_RULES]
    tops += [theme for theme, _ in category_rules.THEMES]
    return [*tops, category_rules.OTHER]


def _ensure_categories(report: LoadReport, leaves: list[tuple[str, ...]]) -> dict:
    """Get or create the categories of ``leaves`` (tree paths), keyed by path."""
    Category = get_model("catalogue", "Category")
    existing = {c.code: c for c in Category.objects.filter(code__startswith=CATEGORY_CODE_PREFIX)}
    rank = {name: i for i, name in enumerate(_top_level_order())}
    by_path: dict[tuple[str, ...], object] = {}
    tops = sorted({leaf[0] for leaf in leaves}, key=lambda t: (rank.get(t, len(rank)), t))
    for top in tops:
        code = _category_code([top])
        node = existing.get(code)
        if node is None:
            node = Category.add_root(name=top, slug=slugify(top), code=code)
            report.created["categories"] += 1
        by_path[(top,)] = node
        subs = sorted(
            {leaf[1] for leaf in leaves if leaf[0] == top and len(leaf) > 1},
            key=lambda s: (s.startswith("Other "), s),
        )
        for sub in subs:
            code = _category_code([top, sub])
            child = existing.get(code)
            if child is None:
                child = node.add_child(name=sub, slug=slugify(sub), code=code)
                node.refresh_from_db()  # treebeard: the parent's numchild changed
                report.created["categories"] += 1
            by_path[(top, sub)] = child
    return by_path


def _describe(info: ProductInfo) -> str:
    first = info.first_sold.strftime("%-d %B %Y")
    last = info.last_sold.strftime("%-d %B %Y")
    sold = f"{info.units_sold:,} sold to {info.customers:,} customer" + (
        "s" if info.customers != 1 else ""
    )
    return f"<p>{sold} between {first} and {last}. Stock code {info.code}.</p>"


def _create_products(report, infos: list[ProductInfo], tree, product_class, categories) -> None:
    Product = get_model("catalogue", "Product")
    ProductCategory = get_model("catalogue", "ProductCategory")
    new = []
    for info in infos:
        title = title_case(info.description)[:255]
        new.append(
            Product(
                upc=info.code,
                title=title,
                slug=(slugify(title) or slugify(info.code) or "product")[:255],
                description=_describe(info),
                product_class=product_class,
                structure=Product.STANDALONE,
                is_public=True,
            )
        )
    Product.objects.bulk_create(new, batch_size=500)
    report.created["products"] += len(new)
    ids = _product_ids()
    ProductCategory.objects.bulk_create(
        [
            ProductCategory(product_id=ids[info.code], category=categories[tree[info.code]])
            for info in infos
        ],
        batch_size=1000,
    )


def _product_ids() -> dict[str, int]:
    Product = get_model("catalogue", "Product")
    return dict(Product.objects.filter(upc__isnull=False).order_by().values_list("upc", "id"))


def _create_stockrecords(
    report, infos: list[ProductInfo], partner, product_ids: dict[str, int]
) -> dict[str, int]:
    StockRecord = get_model("partner", "StockRecord")
    new = [
        StockRecord(
            product_id=product_ids[info.code],
            partner=partner,
            partner_sku=info.code,
            price_currency=CURRENCY,
            price=info.price,
            num_in_stock=info.num_in_stock,
        )
        for info in infos
        if info.code in product_ids
    ]
    StockRecord.objects.bulk_create(new, batch_size=500)
    report.created["stock records"] += len(new)
    return dict(StockRecord.objects.filter(partner=partner).values_list("partner_sku", "id"))


def _create_customers(report, joined: dict[int, datetime]) -> dict[int, int]:
    """Create the missing customers, all with the one demo password, hashed once."""
    User = get_user_model()
    username_field = User.USERNAME_FIELD
    email_field = User.get_email_field_name()
    if joined:
        password = make_password(DEMO_PASSWORD)  # hashing thousands would take minutes
        User.objects.bulk_create(
            [
                User(
                    **{
                        username_field: customer_username(customer),
                        email_field: customer_email(customer),
                        "password": password,
                        "date_joined": date_joined,
                        "is_active": True,
                    }
                )
                for customer, date_joined in sorted(joined.items())
            ],
            batch_size=500,
        )
        report.created["customers"] += len(joined)
    rows = User.objects.filter(**{f"{username_field}__startswith": "customer-"}).values_list(
        username_field, "id"
    )
    return {int(name.removeprefix("customer-")): pk for name, pk in rows if name[9:].isdigit()}


def _ensure_countries(report, names: set[str]) -> dict[str, object]:
    """Country rows for the data's country names (creating only the missing ones)."""
    Country = get_model("address", "Country")
    codes = {name: country_code(name) for name in names}
    existing = {c.pk: c for c in Country.objects.filter(pk__in=set(codes.values()))}
    for code in sorted(set(codes.values()) - set(existing)):
        alpha3, numeric, printable = COUNTRIES[code]
        existing[code] = Country.objects.create(
            iso_3166_1_a2=code,
            iso_3166_1_a3=alpha3,
            iso_3166_1_numeric=numeric,
            printable_name=printable,
            name=printable,
            is_shipping_country=code not in NOT_SHIPPING,
            display_order=1 if code == "GB" else 0,
        )
        report.created["countries"] += 1
    return {name: existing[code] for name, code in codes.items()}


def _bulk_create_with_ids(model, objs: list) -> None:
    """bulk_create that leaves primary keys on ``objs`` (SQLite 3.35+ and PostgreSQL do)."""
    if connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs)
    else:  # e.g. MySQL: slower, still correct
        for obj in objs:
            obj.save()


def _create_orders(
    report, orders, partner, product_ids, stockrecord_ids, user_ids, countries, progress
) -> None:
    ShippingAddress = get_model("order", "ShippingAddress")
    Order = get_model("order", "Order")
    OrderLine = get_model("order", "Line")
    Site = get_model("sites", "Site")
    site_id = Site.objects.filter(pk=settings.SITE_ID).values_list("pk", flat=True).first()
    titles: dict[str, str] = {}
    tick = progress("Writing orders", len(orders), " orders") if progress else None
    zero = Decimal("0.00")
    for start in range(0, len(orders), BATCH_ORDERS):
        batch = orders[start : start + BATCH_ORDERS]
        addresses = []
        for order in batch:
            address = ShippingAddress(
                first_name="Customer",
                last_name=str(order.customer),
                line1="",
                country=countries[order.country],
            )
            address._update_search_text()
            addresses.append(address)
        _bulk_create_with_ids(ShippingAddress, addresses)
        new_orders = []
        for order, address in zip(batch, addresses, strict=True):
            total = order.total
            new_orders.append(
                Order(
                    number=order.number,
                    site_id=site_id,
                    user_id=user_ids[order.customer],
                    currency=CURRENCY,
                    total_incl_tax=total,
                    total_excl_tax=total,
                    shipping_incl_tax=zero,
                    shipping_excl_tax=zero,
                    shipping_method=SHIPPING_METHOD,
                    shipping_code=SHIPPING_CODE,
                    shipping_address_id=address.pk,
                    status=ORDER_STATUS,
                    date_placed=order.placed,
                )
            )
        _bulk_create_with_ids(Order, new_orders)
        lines = []
        for order, saved in zip(batch, new_orders, strict=True):
            for line in order.lines:
                title = titles.get(line.description)
                if title is None:
                    title = titles[line.description] = title_case(line.description or line.code)
                price = line_total(line)
                lines.append(
                    OrderLine(
                        order_id=saved.pk,
                        partner_id=partner.pk,
                        partner_name=partner.name,
                        partner_sku=line.code,
                        stockrecord_id=stockrecord_ids.get(line.code),
                        product_id=product_ids.get(line.code),
                        title=title[:255],
                        upc=line.code,
                        quantity=line.quantity,
                        line_price_incl_tax=price,
                        line_price_excl_tax=price,
                        line_price_before_discounts_incl_tax=price,
                        line_price_before_discounts_excl_tax=price,
                        unit_price_incl_tax=line.price,
                        unit_price_excl_tax=line.price,
                        status=ORDER_STATUS,
                        num_allocated=line.quantity,
                    )
                )
        OrderLine.objects.bulk_create(lines)
        # With DEBUG on, Django keeps the last 9,000 queries: here, megabytes of INSERTs.
        reset_queries()
        report.created["orders"] += len(batch)
        report.created["order lines"] += len(lines)
        report.created["shipping addresses"] += len(addresses)
        if tick:
            tick(len(batch))


def _ensure_admin(report: LoadReport) -> None:
    """The demo's superuser, for /dashboard/, /cms/ and /admin/ (left alone if present)."""
    User = get_user_model()
    email_field = User.get_email_field_name()
    taken = User.objects.filter(
        Q(**{f"{email_field}__iexact": ADMIN_EMAIL}) | Q(**{User.USERNAME_FIELD: ADMIN_USERNAME})
    ).exists()
    if not taken:
        User.objects.create_superuser(
            **{User.USERNAME_FIELD: ADMIN_USERNAME, email_field: ADMIN_EMAIL},
            password=ADMIN_PASSWORD,
        )
        report.created["admin users"] += 1


def _ensure_pages(report: LoadReport) -> None:
    """The demo HomePage as the default Site's root and a help center at /help/.

    Wagtail's migrations leave a placeholder "Welcome to your new Wagtail site!" page as
    the root of the default Site; it is replaced only while it is still that untouched
    placeholder (a plain Page with no children), so an editor's own pages are kept.
    """
    from wagtail.models import Page, Site

    from ecrm_wagtail.helpcenter.models import HelpCenterPage
    from sandbox.demo.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        site = Site.objects.filter(is_default_site=True).first()
        placeholder = (
            Page.objects.filter(
                depth=2,
                content_type=ContentType.objects.get_for_model(Page),
                numchild=0,
            )
            .filter(pk=site.root_page_id if site else None)
            .first()
        )
        if placeholder is not None:
            # Point the site away first: deleting its root page would delete the Site too.
            Site.objects.filter(pk=site.pk).update(root_page=root)
            placeholder.delete()
            root.refresh_from_db()
        slug = "home" if not root.get_children().filter(slug="home").exists() else "shop"
        home = root.add_child(
            instance=HomePage(
                title=settings.OSCAR_SHOP_NAME, slug=slug, intro=HOME_INTRO, body=HOME_BODY
            )
        )
        report.created["pages"] += 1
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name=settings.WAGTAIL_SITE_NAME,
            )
        elif placeholder is not None:
            site.refresh_from_db()
            site.root_page = home
            site.save()  # save(), not update(): clears Wagtail's cached site root paths
    if not home.get_children().filter(slug="help").exists():
        home.add_child(instance=HelpCenterPage(title="Help center", slug="help", intro=HELP_INTRO))
        report.created["pages"] += 1
    # the help center's demo articles (issue 6), in English, Persian and Thai
    from sandbox.demo import help_demo

    if help_demo.is_loaded():  # two queries on every later run
        return
    help_center = HelpCenterPage.objects.child_of(home).filter(slug="help").first()
    for what, count in help_demo.load_help_demo(help_center).items():
        report.created[f"help {what}"] += count


@dataclass(frozen=True)
class DemoSummary:
    """What ``ecrm_demo_info`` prints: counts and one customer a visitor can log in as."""

    products: int
    customers: int
    orders: int
    categories: int
    sample_customer_email: str | None
    sample_customer_orders: int


def demo_summary() -> DemoSummary:
    """Counts of the loaded demo and the imported customer with the most orders."""
    from django.db.models import Count

    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")
    Order = get_model("order", "Order")
    User = get_user_model()
    customers = User.objects.filter(**{f"{User.USERNAME_FIELD}__startswith": "customer-"})
    best = (
        customers.annotate(n=Count("orders"))
        .order_by("-n", User.USERNAME_FIELD)
        .values_list(User.get_email_field_name(), "n")
        .first()
    )
    return DemoSummary(
        products=Product.objects.count(),
        customers=customers.count(),
        orders=Order.objects.count(),
        categories=Category.objects.count(),
        sample_customer_email=best[0] if best else None,
        sample_customer_orders=best[1] if best else 0,
    )
