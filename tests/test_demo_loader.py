"""The demo data loader (sandbox/demo): real UCI rows in, Oscar catalogue/customers/orders out.

tests/data/online_retail_tiny.csv holds 33 real lines of the UCI Online Retail data (their
original line numbers are in tests/data/README.md), picked so every rule is exercised: two
invoices of one customer in the same minute, an invoice straddling a minute, a summer (BST)
order, pseudo-countries, guests, cancellations, a zero price and postage. The expected
figures below were worked out by hand from those lines.
"""

from __future__ import annotations

import gzip
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from oscar.core.loading import get_model

from sandbox.demo import categories, loader, sample
from sandbox.demo.dataset import read_dataset, title_case

DATA = Path(__file__).parent / "data"
TINY = DATA / "online_retail_tiny.csv"

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")
Order = get_model("order", "Order")
OrderLine = get_model("order", "Line")
ShippingAddress = get_model("order", "ShippingAddress")
Country = get_model("address", "Country")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Wagtail caches site root paths and Oscar category URLs: don't leak them to others."""
    cache.clear()
    yield
    cache.clear()


def _counts() -> dict[str, int]:
    from wagtail.models import Page

    return {
        "products": Product.objects.count(),
        "categories": Category.objects.count(),
        "product categories": ProductCategory.objects.count(),
        "stock records": StockRecord.objects.count(),
        "partners": Partner.objects.count(),
        "users": get_user_model().objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "addresses": ShippingAddress.objects.count(),
        "countries": Country.objects.count(),
        "pages": Page.objects.count(),
    }


def _load(path: Path = TINY, *args: str) -> str:
    out = io.StringIO()
    call_command("ecrm_load_demo", "--file", str(path), *args, stdout=out)
    return out.getvalue()


def _write_variant(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- a real load --------------------------------------------------------------------


@pytest.mark.django_db
def test_tiny_file_becomes_catalogue_customers_and_orders():
    report = loader.load_demo(TINY)

    assert report.lines_read == 33
    assert report.lines_kept == 24
    assert dict(report.skipped) == {
        "guest": 5,
        "cancellation": 2,
        "non-positive price": 1,
        "non-merchandise": 1,
    }
    # each quirk on its own: the guest cancellation C537251 is both, 536589 is -10 at 0.0
    assert dict(report.quirks) == {
        "guest": 5,
        "cancellation": 3,
        "non-positive quantity": 4,
        "non-positive price": 2,
        "non-merchandise": 2,
    }
    assert dict(report.non_merchandise) == {"POST": 1, "B": 1}
    assert report.created["products"] == 18
    assert report.created["customers"] == 9
    assert report.created["orders"] == 12
    assert report.created["order lines"] == 24

    # products: StockCode as UPC, most frequent description, most recent price
    heart = Product.objects.get(upc="85123A")
    assert heart.title == "White Hanging Heart T-Light Holder"  # 3 WHITE lines beat 1 CREAM
    assert heart.slug == "white-hanging-heart-t-light-holder"
    assert heart.product_class.name == "Gift"
    record = heart.stockrecords.get()
    assert record.partner.name == "Online Retail"
    assert record.partner_sku == "85123A"
    assert record.price_currency == "GBP"
    assert record.price == Decimal("2.95")  # 2011-12-09's price, not 2010's 2.55
    assert record.num_in_stock == 3  # ceil(25 units sold / 12)
    assert Product.objects.get(upc="82613A").title == "Metal Sign, Cupcake Single Hook"
    assert Product.objects.get(upc="84029E").title == "Red Woolly Hottie White Heart"
    assert not Product.objects.filter(upc__in=["POST", "22841", "21773", "22429"]).exists()

    # every product in exactly one category, and that category is a leaf
    assert ProductCategory.objects.count() == 18
    for product in Product.objects.all():
        (category,) = product.categories.all()
        assert category.is_leaf(), category
    # under 8 products per group nothing is split: the tiny tree is top-level only
    assert str(heart.categories.get()) == "Candles & Lighting"
    assert str(Product.objects.get(upc="22728").categories.get()) == "Home Decor"
    assert str(Product.objects.get(upc="22633").categories.get()) == "Jewellery & Accessories"

    # customers: derived logins, one shared demo password, joined at their first order
    User = get_user_model()
    customer = User.objects.get(username="customer-17850")
    assert customer.email == "customer-17850@example.com"
    assert customer.check_password(loader.DEMO_PASSWORD)
    assert customer.date_joined == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    assert not customer.is_staff
    passwords = set(User.objects.filter(username__startswith="customer-").values_list("password"))
    assert len(passwords) == 1  # hashed once
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_staff and admin.is_superuser and admin.check_password("admin")

    # orders: one per (customer, minute), numbered by the first invoice
    assert sorted(Order.objects.values_list("number", flat=True)) == [
        "536365",
        "536366",
        "536370",
        "536612",  # 536612 and 536614 were placed in the same minute
        "537197",
        "538002",
        "541849",  # 13:33 ...
        "541849-2",  # ... and 13:34 of the same invoice
        "549687",
        "558640",
        "579533",
        "581538",
    ]
    first = Order.objects.get(number="536365")
    assert first.user == customer
    assert first.status == "Complete"
    assert first.currency == "GBP"
    assert first.date_placed == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)  # GMT in winter
    assert first.total_incl_tax == first.total_excl_tax == Decimal("139.12")
    assert first.shipping_incl_tax == Decimal("0.00")
    assert first.shipping_method == "Demo import"
    assert first.lines.count() == 7
    assert first.shipping_address.country_id == "GB"

    merged = Order.objects.get(number="536612")
    assert merged.total_incl_tax == Decimal("57.84")
    assert sorted(merged.lines.values_list("upc", flat=True)) == [
        "22632",
        "22633",
        "71053",
        "85123A",
    ]

    summer = Order.objects.get(number="558640")
    assert summer.date_placed == datetime(2011, 7, 1, 7, 58, tzinfo=UTC)  # 08:58 BST
    assert summer.shipping_address.country_id == "IE"  # "EIRE"
    assert summer.total_incl_tax == Decimal("10.20")

    france = Order.objects.get(number="536370")
    assert france.total_incl_tax == Decimal("180.00")  # the POSTAGE line is not a product
    assert france.shipping_address.country.printable_name == "France"
    assert Order.objects.get(number="538002").shipping_address.country_id == "JE"
    assert Order.objects.get(number="549687").shipping_address.country_id == "ZZ"
    assert Order.objects.get(number="541849-2").total_incl_tax == Decimal("3.20")

    line = first.lines.get(upc="84406B")
    assert line.title == "Cream Cupid Hearts Coat Hanger"
    assert line.product == Product.objects.get(upc="84406B")
    assert line.stockrecord.partner_sku == "84406B"
    assert line.partner_name == "Online Retail"
    assert line.quantity == line.num_allocated == 8
    assert line.unit_price_incl_tax == Decimal("2.75")
    assert line.line_price_incl_tax == line.line_price_before_discounts_excl_tax == Decimal("22.00")
    # the old CREAM line keeps its own title: order history is not rewritten
    assert Order.objects.get(number="581538").lines.get().title == (
        "Cream Hanging Heart T-Light Holder"
    )
    total = sum(o.total_incl_tax for o in Order.objects.all())
    assert total == sum(line.line_price_incl_tax for line in OrderLine.objects.all())
    assert total == Decimal("497.06")


@pytest.mark.django_db
def test_second_run_changes_nothing_and_is_query_light(django_assert_max_num_queries):
    first_output = _load()
    before = _counts()
    assert "created" in first_output
    # 12 for the shop data, 2 for the help center's demo articles (help_demo.is_loaded)
    with django_assert_max_num_queries(14):
        report = loader.load_demo(TINY)
    assert not report.changed
    assert report.present["orders"] == 12 and report.present["products"] == 18
    assert _counts() == before
    assert "already loaded, nothing to do" in _load()
    assert _counts() == before


@pytest.mark.django_db
def test_sub_categories_appear_once_enough_products_share_a_head_noun(monkeypatch):
    monkeypatch.setattr(categories, "MIN_SUBCATEGORY_SIZE", 2)
    loader.load_demo(TINY)

    def leaf(upc: str) -> str:
        return str(Product.objects.get(upc=upc).categories.get())

    assert leaf("85123A") == "Candles & Lighting > Candle holders"
    assert leaf("21730") == "Candles & Lighting > Candle holders"
    assert leaf("71053") == "Candles & Lighting > Other Candles & Lighting"  # one lantern
    assert leaf("22690") == leaf("20685") == "Home Decor > Doormats & doorstops"
    assert leaf("22843") == "Kitchen & Dining"  # no group of two: the top is the leaf
    assert Category.objects.get(name="Home Decor").code == "demo:home-decor"


@pytest.mark.django_db
def test_site_pages_and_logins_work():
    from wagtail.models import Site

    from ecrm_wagtail.helpcenter.models import HelpCenterPage
    from sandbox.demo.models import HomePage

    loader.load_demo(TINY)
    home = HomePage.objects.get(locale__language_code=settings.LANGUAGE_CODE)
    site = Site.objects.get(is_default_site=True)
    assert site.root_page_id == home.pk
    assert not site.root_page.get_children().filter(title__startswith="Welcome").exists()
    help_center = HelpCenterPage.objects.get(locale__language_code=settings.LANGUAGE_CODE)
    assert help_center.get_parent().pk == home.pk and help_center.slug == "help"

    client = Client()
    response = client.get("/")
    assert response.status_code == 200
    assert "Candles &amp; Lighting" in response.content.decode()  # the derived categories
    response = client.get("/help/")
    assert response.status_code == 200
    assert "Answers about ordering" in response.content.decode()
    assert client.login(username="customer-12583@example.com", password=loader.DEMO_PASSWORD)
    assert client.get("/accounts/orders/").status_code == 200


@pytest.mark.django_db
def test_demo_info_prints_urls_logins_and_counts():
    loader.load_demo(TINY)
    out = io.StringIO()
    call_command("ecrm_demo_info", "--host", "127.0.0.1", "--port", "8000", stdout=out)
    text = out.getvalue()
    assert "storefront       http://127.0.0.1:8000/\n" in text
    for url in ("/dashboard/", "/cms/", "/help/", "/admin/"):
        assert f"http://127.0.0.1:8000{url}\n" in text
    assert "admin@example.com / admin" in text
    # 17850 has the most orders (536365, 536366, 536612)
    assert "customer-17850@example.com / demo  (3 orders" in text
    assert "18 products" in text and "9 customers" in text and "12 orders" in text
    assert "links in emails" not in text


@pytest.mark.django_db
def test_demo_info_points_the_site_and_so_email_links_at_the_demo():
    from django.contrib.sites.models import Site

    from ecrm_oscar.automation import content

    call_command("ecrm_demo_info", "--host", "127.0.0.1", "--port", "8010", "--set-site")
    assert Site.objects.get_current().domain == "127.0.0.1:8010"
    assert content.absolute("/ecrm/a/u/x/").endswith("://127.0.0.1:8010/ecrm/a/u/x/")


@pytest.mark.django_db
def test_report_names_what_was_skipped():
    out = _load()
    assert "33 lines; 24 became order lines, 9 were skipped" in out
    assert re.search(r"5  guest\n", out)
    assert re.search(r"2  cancellation \(lines with this quirk in all: 3\)", out)
    assert "non-merchandise codes seen: POST 1, B 1" in out


# --- bad input: a clear error naming the line, and nothing written ------------------


def _assert_untouched(before: dict[str, int]) -> None:
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("line", "old", "new", "message"),
    [
        (5, "2010-12-01 08:26:00", "2010-13-45 08:26:00", "InvoiceDate '2010-13-45 08:26:00'"),
        (9, ",6,2010-12-01 08:28:00", ",six,2010-12-01 08:28:00", "Quantity 'six'"),
        (20, ",1.85,17850.0", ",1,85,17850.0", "expected 8 columns, found 9"),
        (31, ",0.85,14911.0", ",0.8.5,14911.0", "UnitPrice '0.8.5'"),
        (33, ",12953.0,", ",12953.5,", "CustomerID '12953.5'"),
        (34, ",United Kingdom", "", "expected 8 columns, found 7"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_loaded(tmp_path, line, old, new, message):
    rows = TINY.read_text().splitlines(keepends=True)
    assert old in rows[line - 1]
    rows[line - 1] = rows[line - 1].replace(old, new)
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress("".join(rows).encode(), mtime=0))
    before = _counts()
    with pytest.raises(CommandError) as error:
        _load(bad)
    assert f"bad.csv.gz, line {line}: " in str(error.value)
    assert message in str(error.value)
    _assert_untouched(before)


@pytest.mark.django_db
def test_a_truncated_gzip_is_named_and_nothing_is_loaded(tmp_path):
    data = gzip.compress(TINY.read_bytes(), mtime=0)
    cut = _write_variant(tmp_path, "cut.csv.gz", data[: len(data) * 6 // 10])
    before = _counts()
    with pytest.raises(CommandError) as error:
        _load(cut)
    found = re.search(r"cut\.csv\.gz, line (\d+): the file is truncated", str(error.value))
    assert found, error.value
    assert 2 <= int(found.group(1)) <= 34
    _assert_untouched(before)


@pytest.mark.django_db
def test_a_gzip_missing_its_trailer_is_truncated_too(tmp_path):
    data = gzip.compress(TINY.read_bytes(), mtime=0)
    cut = _write_variant(tmp_path, "cut.csv.gz", data[:-4])  # all lines, no size field
    with pytest.raises(CommandError, match=r"line 35: the file is truncated.*after line 34"):
        _load(cut)
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_corrupted_gzip_is_named_and_nothing_is_loaded(tmp_path):
    data = gzip.compress(TINY.read_bytes(), mtime=0)
    middle = len(data) // 2
    broken = _write_variant(
        tmp_path, "broken.csv.gz", data[:middle] + b"\xff" * 16 + data[middle + 16 :]
    )
    before = _counts()
    with pytest.raises(CommandError, match=r"broken\.csv\.gz, line \d+: "):
        _load(broken)
    _assert_untouched(before)


@pytest.mark.django_db
def test_not_a_gzip_file_is_line_1(tmp_path):
    fake = _write_variant(tmp_path, "fake.csv.gz", TINY.read_bytes())
    with pytest.raises(CommandError, match=r"fake\.csv\.gz, line 1: this is not a gzip file"):
        _load(fake)


@pytest.mark.django_db
def test_a_wrong_header_is_line_1(tmp_path):
    text = TINY.read_text().replace("CustomerID", "Customer")
    wrong = _write_variant(tmp_path, "wrong.csv", text.encode())
    with pytest.raises(CommandError, match=r"wrong\.csv, line 1: unexpected header"):
        _load(wrong)


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_everything_back(monkeypatch):
    def fail(*args, **kwargs):
        # products, stock records and customers are written by now
        assert Product.objects.count() == 18
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_create_orders", fail)
    before = _counts()
    with pytest.raises(RuntimeError, match="disk full"):
        loader.load_demo(TINY)
    _assert_untouched(before)


# --- --full and --file --------------------------------------------------------------


@pytest.mark.django_db
def test_full_without_the_data_says_where_to_get_it(tmp_path, settings, monkeypatch):
    missing = tmp_path / "online_retail.csv.gz"
    settings.ECRM_DEMO_FULL_DATA = str(missing)
    with pytest.raises(CommandError) as error:
        call_command("ecrm_load_demo", "--full", stdout=io.StringIO())
    text = str(error.value)
    assert str(missing) in text and "ECRM_DEMO_FULL_DATA" in text
    assert "https://archive.ics.uci.edu/dataset/352/online+retail" in text

    settings.ECRM_DEMO_FULL_DATA = None
    monkeypatch.setattr(loader, "DEFAULT_FULL_DATA", tmp_path / "nowhere.csv.gz")
    with pytest.raises(CommandError, match="nowhere.csv.gz .from the default location"):
        call_command("ecrm_load_demo", "--full", stdout=io.StringIO())
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_full_reads_the_configured_file(settings):
    settings.ECRM_DEMO_FULL_DATA = str(TINY)
    call_command("ecrm_load_demo", "--full", stdout=io.StringIO())
    assert Order.objects.count() == 12


@pytest.mark.django_db
def test_file_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        _load(tmp_path / "nope.csv")


@pytest.fixture
def product_index(settings, tmp_path):
    """A Whoosh index of this test's own (Oscar's browse pages and search read it)."""
    from haystack import connections

    settings.HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
            "PATH": str(tmp_path / "whoosh"),
        }
    }
    connections.reload("default")
    yield
    connections.reload("default")


def _indexed_upcs() -> set[str]:
    from haystack.query import SearchQuerySet

    return {result.object.upc for result in SearchQuerySet().models(Product)}


@pytest.mark.django_db
def test_loaded_products_are_in_the_search_index_and_a_lost_index_is_rebuilt(product_index):
    from haystack import connections

    loader.load_demo(TINY)  # bulk_create sends no signals: the loader indexes itself
    assert _indexed_upcs() == set(Product.objects.values_list("upc", flat=True))
    connections["default"].get_backend().clear()
    assert _indexed_upcs() == set()
    loader.load_demo(TINY)  # nothing new to load, but the index is gone
    assert _indexed_upcs() == set(Product.objects.values_list("upc", flat=True))
    response = Client().get("/catalogue/")
    assert response.status_code == 200
    assert len(response.context["products"]) == Product.objects.count()


@pytest.mark.django_db
def test_simple_search_engine_needs_no_index(settings, monkeypatch):
    settings.HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}
    }
    calls = []
    monkeypatch.setattr(loader, "call_command", lambda *a, **k: calls.append(a))
    loader.load_demo(TINY)
    assert calls == []


# --- the pieces, without a database ---------------------------------------------------


def test_shipped_sample_has_every_quirk_and_the_documented_figures():
    data = read_dataset(sample.SAMPLE_PATH)
    assert data.lines_read == 99_096
    assert len(data.lines) == 72_723
    assert all(data.quirks[reason] > 0 for reason in data.quirks) and len(data.quirks) == 5
    assert {"POST", "DOT", "M", "C2", "D", "BANK CHARGES", "AMAZONFEE"} <= set(data.non_merchandise)
    assert len({line.customer for line in data.lines}) == 872
    assert all(line.customer % 5 == 0 for line in data.lines)
    assert sample.SAMPLE_PATH.stat().st_size < 2_000_000


def test_make_sample_keeps_the_documented_fifth_byte_for_byte(tmp_path):
    source = tmp_path / "all.csv.gz"
    source.write_bytes(gzip.compress(TINY.read_bytes()))
    first = sample.make_sample(source, tmp_path / "a.csv.gz")
    sample.make_sample(source, tmp_path / "b.csv.gz")
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()
    kept = gzip.decompress((tmp_path / "a.csv.gz").read_bytes()).decode().splitlines()
    original = TINY.read_text().splitlines()
    assert kept[0] == original[0]
    # customers 17850 and 13230 (% 5 == 0) and the guest invoice A563185
    assert kept[1:] == [
        row for row in original[1:] if ",17850.0," in row or ",13230.0," in row or "A563185" in row
    ]
    assert (first.lines_read, first.lines_written, first.customers, first.guest_invoices) == (
        33,
        19,
        2,
        1,
    )


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN ", "Set of 3 Cake Tins Pantry Design"),
        ("YOU'RE CONFUSING ME METAL SIGN ", "You're Confusing Me Metal Sign"),
        ("GREEN GOOSE FEATHER TREE 60CM", "Green Goose Feather Tree 60cm"),
        ("HOOK, 1 HANGER ,MAGIC GARDEN", "Hook, 1 Hanger, Magic Garden"),
        ("LED TEA LIGHTS", "LED Tea Lights"),
    ],
)
def test_title_case(raw, title):
    assert title_case(raw) == title


@pytest.mark.parametrize(
    ("description", "top", "sub"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "Candles & Lighting", "Candle holders"),
        ("ZINC T-LIGHT HOLDER STARS SMALL", "Candles & Lighting", "Candle holders"),
        ("RECIPE BOX WITH METAL HEART", "Kitchen & Dining", "Kitchen storage"),
        ("LUNCH BAG RED RETROSPOT", "Bags", "Lunch bags"),
        ("PAPER CHAIN KIT 50'S CHRISTMAS ", "Christmas", "Craft kits"),
        ("BEADED CRYSTAL HEART PINK LARGE", "Home Decor", "Decorations"),
        ("SPACE CADET RED", "Other", None),
    ],
)
def test_classify(description, top, sub):
    found = categories.classify(description)
    assert (found.top, found.sub) == (top, sub)


def test_build_tree_folds_small_groups_and_gives_every_product_one_leaf():
    descriptions = {
        "a": "RED RETROSPOT MUG",
        "b": "SPACEBOY MUG",
        "c": "PINK POLKADOT BOWL",
        "d": "CHRISTMAS CARD SINGING ANGEL",
        "e": "CHRISTMAS GIFT WRAP",
        "f": "12 PENCILS TALL TUBE WOODLAND",
    }
    tree = categories.build_tree(descriptions, min_size=2)
    assert tree == {
        "a": ("Kitchen & Dining", "Mugs & cups"),
        "b": ("Kitchen & Dining", "Mugs & cups"),
        "c": ("Kitchen & Dining", "Other Kitchen & Dining"),
        "d": ("Christmas",),  # a card and a wrap: two groups of one under the theme
        "e": ("Christmas",),
        "f": ("Stationery & Cards",),
    }


def test_each_keyword_names_one_group_and_each_country_has_a_row():
    seen: dict[tuple[str, ...], tuple[str, str]] = {}
    for top, groups in categories.CATEGORY_RULES:
        for sub, phrases in groups:
            for phrase in phrases.split(","):
                key = categories.words(phrase.strip().rstrip("*"))
                assert seen.setdefault(key, (top, sub)) == (top, sub), phrase
    assert set(loader.COUNTRY_CODES.values()) <= set(loader.COUNTRIES)


def test_docs_show_the_rule_table_in_use():
    docs = (Path(__file__).parents[1] / "docs" / "demo-data.md").read_text()
    for top, sub, phrases in categories.describe_rules():
        row = f"| {top} | {sub} | {phrases.replace('*', chr(92) + '*')} |"
        assert row in docs, f"docs/demo-data.md lacks: {row}"


def test_benchmark_report_replaces_only_its_own_section(tmp_path):
    from tests.benchmarks.report import write_section

    page = tmp_path / "benchmarks.md"
    write_section("One", "| a |\n|---|\n| 1 |", path=page)
    write_section("Two", "two", path=page)
    write_section("One", "| a |\n|---|\n| 2 |", path=page)
    text = page.read_text()
    assert text.startswith("# Benchmarks\n")
    assert text.count("## One") == 1 and "| 2 |" in text and "| 1 |" not in text
    assert text.index("## One") < text.index("## Two") and "two\n" in text
    assert re.search(r"_Measured \d{4}-\d\d-\d\d on \d+ CPUs .*Python 3", text)
