"""Serving: owner settings, the strategy registry, recently viewed, trending in a category,
pins and exclusions, bad input, feedback demotion and the Wagtail block."""

import json
import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from ecrm_oscar.recommendations import registry, services
from ecrm_oscar.recommendations.models import Exclusion, Pin, PlacementSetting
from ecrm_oscar.recommendations.registry import Ranked, Source
from ecrm_oscar.recommendations.training import train_all
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"}
ProductCategory = get_model("catalogue", "ProductCategory")
Event = get_model("ecrm_tracking", "Event")


@pytest.fixture
def shop():
    """Mugs are bought with plates and saucers; the lamp is out of stock; mugs and
    saucers are kitchen (mugs in its subcategory), the scarf is clothing."""
    mug, plate, saucer = create_product("Mug"), create_product("Plate"), create_product("Saucer")
    scarf, lamp = create_product("Scarf"), create_product("Lamp", stock=0)
    kitchen = create_from_breadcrumbs("Kitchen")
    cups = create_from_breadcrumbs("Kitchen > Cups")
    clothing = create_from_breadcrumbs("Clothing")
    ProductCategory.objects.create(product=mug, category=cups)
    ProductCategory.objects.create(product=saucer, category=kitchen)
    ProductCategory.objects.create(product=plate, category=kitchen)
    ProductCategory.objects.create(product=scarf, category=clothing)
    now = timezone.now()
    buyers = [create_customer() for _ in range(4)]
    for days, buyer in enumerate(buyers):
        create_purchase(buyer, [(mug, 1), (plate, 2)], placed_at=now - timedelta(days=40 + days))
        create_purchase(buyer, [(saucer, 1), (mug, 1)], placed_at=now - timedelta(days=days))
    loner = create_customer()
    create_purchase(loner, [(scarf, 1)], placed_at=now - timedelta(days=3))
    train_all()
    return {
        "mug": mug,
        "plate": plate,
        "saucer": saucer,
        "scarf": scarf,
        "lamp": lamp,
        "kitchen": kitchen,
        "cups": cups,
        "clothing": clothing,
        "buyers": buyers,
        "loner": loner,
    }


def titles(products):
    return [product.title for product in products]


def product_block(product):
    template = Template("{% load ecrm_recommendations %}{% ecrm_also_bought product 6 %}")
    request = RequestFactory().get("/")
    return template.render(Context({"product": product, "request": request}))


# --- owner settings ------------------------------------------------------------------


def test_placement_strategy_chosen_by_the_owner_applies_at_once(shop):
    assert "Customers who bought this also bought" in product_block(shop["plate"])
    setting = PlacementSetting.objects.create(placement="product", strategy="trending")
    html = product_block(shop["plate"])
    assert "Trending now" in html and 'data-ecrm-recommendations="product:trending"' in html
    assert ">Plate<" not in html  # the page's own product is never recommended
    setting.enabled = False
    setting.save()
    assert product_block(shop["plate"]).strip() == ""


def test_owner_limit_and_unknown_stored_strategy(shop):
    PlacementSetting.objects.create(placement="home", strategy="gone_plugin", limit=1)
    products = services.recommend("home", limit=6)
    assert len(products) == 1 and products.strategy == "trending"  # default for home


def test_include_purchased_per_placement(shop, settings):
    buyer = shop["buyers"][0]
    settings.ECRM_RECOMMENDATION_INCLUDE_PURCHASED = True
    assert "Mug" in titles(services.recommend("account", user=buyer, limit=6))
    PlacementSetting.objects.create(
        placement="account", strategy="personal", include_purchased="no"
    )
    listed = titles(services.recommend("account", user=buyer, limit=6))
    assert not {"Mug", "Plate", "Saucer"} & set(listed)
    # the other placements still follow the site default
    assert "Mug" in titles(services.recommend("home", user=buyer, limit=6))


def test_exclusions_by_product_and_category(shop):
    Exclusion.objects.create(product=shop["saucer"])
    assert titles(services.recommend("product", product=shop["plate"])) == ["Mug"]
    Exclusion.objects.create(category=shop["kitchen"])  # Cups is a subcategory: the mug goes
    assert services.recommend("product", product=shop["plate"]) == []
    assert "Scarf" in titles(services.recommend("home"))
    assert not {"Mug", "Plate", "Saucer"} & set(titles(services.recommend("home")))


def test_pins_first_everywhere_or_per_product_or_category(shop):
    Pin.objects.create(placement="product", product=shop["scarf"], position=1)
    assert titles(services.recommend("product", product=shop["plate"]))[0] == "Scarf"
    Pin.objects.all().delete()
    Pin.objects.create(placement="product", product=shop["scarf"], for_product=shop["mug"])
    assert titles(services.recommend("product", product=shop["mug"]))[0] == "Scarf"
    assert "Scarf" not in titles(services.recommend("product", product=shop["plate"]))
    Pin.objects.all().delete()
    Pin.objects.create(placement="category", product=shop["scarf"], for_category=shop["kitchen"])
    assert titles(services.recommend("category", category=shop["cups"]))[0] == "Scarf"
    assert "Scarf" not in titles(services.recommend("category", category=shop["clothing"]))[1:]
    # an unavailable pinned product is skipped like any other
    Pin.objects.create(placement="category", product=shop["lamp"], for_category=shop["kitchen"])
    assert "Lamp" not in titles(services.recommend("category", category=shop["kitchen"]))


def test_registry_documents_and_serves_custom_strategies(shop):
    names = {strategy.name for strategy in registry.all_strategies()}
    assert {"also_bought", "complete_order", "personal", "trending", "recently_viewed"} <= names
    scarf_first = registry.register(
        "test_scarf", "Scarf first", lambda context: Source([Ranked((shop["scarf"].pk,))])
    )
    try:
        PlacementSetting.objects.create(placement="basket", strategy=scarf_first.name)
        assert titles(services.recommend("basket")) == ["Scarf"]
        assert ("test_scarf", "Scarf first") in registry.choices("basket")
    finally:
        registry.unregister("test_scarf")
    assert ("also_bought", registry.get("also_bought").label) not in registry.choices("home")


# --- trending in a category, recently viewed ---------------------------------------------


def test_trending_in_a_category_includes_its_subcategories(shop, client):
    kitchen = titles(services.recommend("category", category=shop["kitchen"]))
    assert set(kitchen) == {"Mug", "Saucer", "Plate"}
    assert titles(services.recommend("category", category=shop["clothing"])) == ["Scarf"]
    response = client.get(shop["kitchen"].get_absolute_url(), **BROWSER)
    assert response.status_code == 200
    assert b"Trending in Kitchen" in response.content
    assert b'data-ecrm-recommendations="category:trending"' in response.content


def test_recently_viewed_for_an_anonymous_visitor(shop, client):
    for name in ("scarf", "mug", "plate"):
        assert client.get(shop[name].get_absolute_url(), **BROWSER).status_code == 200
    url = "/ecrm/recommendations/home/?strategy=recently_viewed&limit=5"
    html = client.get(url, **BROWSER).content.decode()
    assert "Recently viewed" in html
    assert re.findall(r">(\w+)</a>", html) == ["Plate", "Mug", "Scarf"]
    # a new view retires the cached list at once
    client.get(shop["saucer"].get_absolute_url(), **BROWSER)
    html = client.get(url, **BROWSER).content.decode()
    assert re.findall(r">(\w+)</a>", html)[0] == "Saucer"
    # another visitor has seen nothing: no list
    other = client_class_for(client)
    assert b"<section" not in other.get(url, **BROWSER).content


def client_class_for(client):
    return type(client)()


def test_recently_viewed_as_the_product_page_strategy_skips_the_page_product(shop, client):
    PlacementSetting.objects.create(placement="product", strategy="recently_viewed")
    client.get(shop["scarf"].get_absolute_url(), **BROWSER)
    page = client.get(shop["mug"].get_absolute_url(), **BROWSER).content.decode()
    block = page[page.index('data-ecrm-recommendations="product:recently_viewed"') :]
    assert "Scarf" in block[:2000] and ">Mug<" not in block[:2000]


# --- bad input ----------------------------------------------------------------------------


def test_bad_input_never_gives_an_error_page(shop, client):
    for limit in ("0", "-5", "abc", "99999999999999999999999", "1e9", ""):
        response = client.get(f"/ecrm/recommendations/home/?limit={limit}", **BROWSER)
        assert response.status_code == 200, limit
    for query in ("category=999999", "category=-1", "category=99999999999999999999", "strategy=x"):
        assert client.get(f"/ecrm/recommendations/category/?{query}").status_code == 200
    assert client.get("/ecrm/recommendations/product/").status_code == 404
    assert len(services.recommend("home", limit=10**30)) <= services.MAX_LIMIT
    # a placement of the project's own (no owner setting yet) is served trending
    assert services.recommend("thank-you-page").strategy == "trending"
    assert services.recommend("product", product=None) == []
    unsaved = create_product("Draft")
    unsaved.pk = 987654
    assert services.recommend("product", product=unsaved) == []


def test_empty_catalogue_and_no_history():
    assert services.recommend("home") == []
    assert services.recommend("category", category=create_from_breadcrumbs("Empty")) == []
    newcomer = create_customer()
    assert services.recommend("account", user=newcomer) == []
    assert services.recommend("home", strategy="recently_viewed", user=newcomer) == []


def test_deleted_and_unpublished_products_in_stored_rows_are_skipped(shop):
    assert "Saucer" in titles(services.recommend("product", product=shop["plate"]))
    shop["saucer"].is_public = False
    shop["saucer"].save()  # retires the cached list
    assert "Saucer" not in titles(services.recommend("product", product=shop["plate"]))
    stock = shop["mug"].stockrecords.get()
    stock.num_in_stock = 0
    stock.save()
    assert services.recommend("product", product=shop["plate"]) == []


# --- feedback demotion -----------------------------------------------------------------


def beacon(client, events):
    return client.post(
        "/ecrm/t/",
        json.dumps({"events": events}),
        content_type="application/json",
        HTTP_ORIGIN="http://testserver",
        **BROWSER,
    )


def test_items_shown_repeatedly_and_never_clicked_move_down(shop, client, settings):
    settings.ECRM_RECOMMENDATION_DEMOTE_AFTER = 3
    client.get("/", **BROWSER)  # the visitor cookie
    url = "/ecrm/recommendations/home/?limit=3&strategy=trending"

    def listed():
        return re.findall(r'data-ecrm-product="(\d+)"', client.get(url, **BROWSER).content.decode())

    first = listed()
    assert len(first) == 3
    shown = {"placement": "home:trending", "products": [int(pk) for pk in first]}
    for _ in range(2):
        assert beacon(
            client, [{"type": "recommendation_impression", "payload": shown}]
        ).status_code in (200, 202, 204)
    assert listed() == first  # two impressions: not yet
    beacon(client, [{"type": "recommendation_impression", "payload": shown}])
    beacon(
        client,
        [
            {
                "type": "recommendation_clicked",
                "product": int(first[1]),
                "payload": {"placement": "home:trending", "position": 2},
            }
        ],
    )
    after = listed()
    # shown three times: the first and third move below the clicked one and the rest
    assert after[0] == first[1]
    assert first[0] not in after[:1] and first[2] not in after[:1]
    # read from the database when the cached counts are gone (e.g. after a restart)
    from django.core.cache import cache

    visitor = next(iter(Event.objects.exclude(visitor_id="").values_list("visitor_id", flat=True)))
    assert cache.get(services.feedback_key(f"visitor:{visitor}")) is not None
    cache.delete(services.feedback_key(f"visitor:{visitor}"))
    assert listed() == after


def test_demotion_off_and_pins_never_demoted(shop):
    import time

    from django.core.cache import cache

    counts = {"shown": {shop["mug"].pk: 10}, "clicked": set(), "built": time.time()}
    context = registry.Context("product", visitor_id="v1")
    cache.set(services.feedback_key("visitor:v1"), counts)
    products = [shop["mug"], shop["saucer"]]
    assert titles(services._demote(products, context, set())) == ["Saucer", "Mug"]
    assert titles(services._demote(products, context, {shop["mug"].pk})) == ["Mug", "Saucer"]
    from django.test import override_settings

    with override_settings(ECRM_RECOMMENDATION_DEMOTE_AFTER=0):
        assert titles(services._demote(products, context, set())) == ["Mug", "Saucer"]
    # counts built more than a day ago are rebuilt from the events (none here)
    cache.set(services.feedback_key("visitor:v1"), {**counts, "built": time.time() - 90000})
    assert titles(services._demote(products, context, set())) == ["Mug", "Saucer"]


# --- the Wagtail block --------------------------------------------------------------------


def test_wagtail_block_renders_a_slot_for_the_endpoint(shop, client):
    from ecrm_wagtail.blocks.blocks import RecommendationsBlock

    block = RecommendationsBlock()
    value = block.to_python({"heading": "Picked for you", "strategy": "trending", "limit": 4})
    html = block.render(value)
    url = re.search(r'data-ecrm-recommendations-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert url.startswith("/ecrm/recommendations/wagtail/?limit=4")
    assert "strategy=trending" in url and "title=Picked%20for%20you" in url
    fragment = client.get(url, **BROWSER).content.decode()
    assert (
        "Picked for you" in fragment and 'data-ecrm-recommendations="wagtail:trending"' in fragment
    )
    choices = dict(block.child_blocks["strategy"].field.choices)
    assert "recently_viewed" in choices and "" in choices


def test_demo_home_page_holds_the_block(shop, client):
    from wagtail.models import Page, Site

    from sandbox.demo.loader import HOME_BODY
    from sandbox.demo.models import HomePage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Shop", slug="shop-test", body=HOME_BODY))
    Site.objects.update(root_page=home)
    page = client.get("/", **BROWSER).content.decode()
    assert "/ecrm/recommendations/wagtail/?limit=6" in page


def test_category_block_queries(shop, django_assert_max_num_queries):
    template = Template("{% load ecrm_recommendations %}{% ecrm_trending category 6 %}")
    context = {"category": shop["kitchen"], "request": RequestFactory().get("/")}
    services.owner_config()
    with django_assert_max_num_queries(3):  # subcategories, products, stock records
        html = template.render(Context(context))
    assert "Trending in Kitchen" in html
    with django_assert_max_num_queries(0):
        assert template.render(Context(context)) == html


def test_training_retires_the_cached_lists(shop):
    from django.core.management import call_command

    from ecrm_oscar.recommendations import tasks

    assert "Scarf" not in titles(services.recommend("product", product=shop["mug"]))
    loner = shop["loner"]
    create_purchase(loner, [(shop["scarf"], 1), (shop["mug"], 1)])
    create_purchase(create_customer(), [(shop["scarf"], 1), (shop["mug"], 1)])
    before = services.generation()
    tasks.train.delay()
    assert services.generation() != before
    assert "Scarf" in titles(services.recommend("product", product=shop["mug"]))
    before = services.generation()
    call_command("ecrm_train_recommendations", stdout=__import__("io").StringIO())
    assert services.generation() != before


# --- Persian and Thai ------------------------------------------------------------------


def test_list_titles_in_persian_and_thai(shop, client):
    """Placement titles follow the page's language: /fa/... pages and their fragments."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override("fa"):
        html = product_block(shop["mug"])
        category_url = shop["kitchen"].get_absolute_url()
    assert "مشتریانی که این را خریدند، این‌ها را هم خریدند" in html
    assert "Customers who bought" not in html
    assert category_url.startswith("/fa/")
    page = client.get(category_url, **BROWSER).content.decode()
    assert "پرطرفدار در Kitchen" in page and "Trending in" not in page
    assert 'dir="rtl"' in page
    with translation.override("th"):
        url = reverse("ecrm:recommendations-fragment", args=["home"]) + "?limit=4"
    assert url.startswith("/th/")
    fragment = client.get(url, **BROWSER).content.decode()
    title = re.search(r"<h2[^>]*>(.*?)</h2>", fragment).group(1)
    assert title in {"แนะนำสำหรับคุณ", "กำลังเป็นที่นิยม"}
