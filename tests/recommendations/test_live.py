"""Training from Oscar orders, the stored lists, and what the storefront shows."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from ecrm_oscar.recommendations import services
from ecrm_oscar.recommendations.models import Recommendation
from ecrm_oscar.recommendations.training import train_all
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """Mugs are bought with plates, never with the scarf; the lamp is out of stock."""
    mug, plate, saucer = create_product("Mug"), create_product("Plate"), create_product("Saucer")
    scarf, lamp = create_product("Scarf"), create_product("Lamp", stock=0)
    now = timezone.now()
    buyers = [create_customer() for _ in range(4)]
    for days, buyer in enumerate(buyers):
        create_purchase(buyer, [(mug, 1), (plate, 2)], placed_at=now - timedelta(days=40 + days))
        create_purchase(buyer, [(saucer, 1), (mug, 1)], placed_at=now - timedelta(days=days))
    loner = create_customer()
    create_purchase(loner, [(scarf, 1)], placed_at=now - timedelta(days=3))
    lamp_buyer = create_customer()
    create_purchase(lamp_buyer, [(lamp, 1), (mug, 1)], placed_at=now - timedelta(days=5))
    return {
        "mug": mug,
        "plate": plate,
        "saucer": saucer,
        "scarf": scarf,
        "lamp": lamp,
        "buyers": buyers,
        "loner": loner,
    }


def titles(products):
    return [product.title for product in products]


def test_training_stores_also_bought_personal_and_trending(shop):
    report = train_all()
    assert report.customers == 6 and report.products == 5
    assert set(report.rows) == {"also_bought", "personal", "trending"}
    # cosine over co-buyers: plate~saucer 4/sqrt(4*4) = 1.0 > plate~mug 4/sqrt(4*5)
    assert titles(services.also_bought(shop["plate"], 6)) == ["Saucer", "Mug"]
    # the lamp is bought with the mug but cannot be bought now: never shown
    assert "Lamp" not in titles(services.also_bought(shop["mug"], 6))
    assert "Scarf" not in titles(services.also_bought(shop["mug"], 6))
    # a second run replaces, never adds
    before = Recommendation.objects.count()
    train_all()
    assert Recommendation.objects.count() == before


def test_personal_list_and_fallback_for_new_visitors(shop):
    train_all()
    loner = titles(services.for_user(shop["loner"], 3))
    assert loner[0] == "Scarf"  # their own (repeat purchases count by default)
    anonymous = titles(services.for_user(None, 3))
    assert anonymous and anonymous == titles(services.trending(None, 3))
    assert "Lamp" not in anonymous


def test_bad_limits_and_subjects(shop):
    train_all()
    assert services.also_bought(shop["mug"], 0) == []
    assert services.also_bought(shop["mug"], -4) == []
    assert len(services.also_bought(shop["mug"], "lots")) <= 6
    assert services.also_bought(None) == []
    assert services.stored_list("also_bought", "product:999999", 6) == []


def test_unpublished_or_deleted_products_disappear_from_stored_rows(shop):
    train_all()
    shop["saucer"].is_public = False
    shop["saucer"].save()
    assert "Saucer" not in titles(services.also_bought(shop["plate"], 6))
    shop["mug"].delete()
    assert titles(services.also_bought(shop["plate"], 6)) == []


def test_product_page_block_is_two_queries(shop, django_assert_max_num_queries):
    train_all()
    request = RequestFactory().get("/")
    template = Template("{% load ecrm_recommendations %}{% ecrm_also_bought product 6 %}")
    # The owner's settings are loaded once for every request until one is saved.
    services.owner_config()
    with django_assert_max_num_queries(2):
        html = template.render(Context({"product": shop["plate"], "request": request}))
    assert "Customers who bought this also bought" in html and "Mug" in html
    with django_assert_max_num_queries(0):  # the list is cached
        again = template.render(Context({"product": shop["plate"], "request": request}))
    assert again == html


def test_product_page_shows_the_list(shop, client):
    train_all()
    response = client.get(shop["plate"].get_absolute_url())
    assert response.status_code == 200
    assert b'data-ecrm-strategy="also_bought"' in response.content


def test_empty_catalogue_trains_without_error():
    report = train_all()
    assert report.rows == {"also_bought": 0, "personal": 0, "trending": 0}


def test_train_command_if_empty(shop):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("ecrm_train_recommendations", "--if-empty", stdout=out)
    assert "Trained on 6 customers and 5 products" in out.getvalue()
    out = StringIO()
    call_command("ecrm_train_recommendations", "--if-empty", stdout=out)
    assert "already trained" in out.getvalue()


def test_complete_order_sums_the_basket_items_lists(shop, rf):
    from oscar.core.loading import get_class, get_model

    train_all()
    basket = get_model("basket", "Basket").objects.create()
    basket.strategy = get_class("partner.strategy", "Default")()
    basket.add_product(shop["plate"], 1)
    basket.add_product(shop["saucer"], 1)
    listed = titles(services.complete_order(basket, 6))
    assert listed[0] == "Mug"  # neighbour of both
    assert "Plate" not in listed and "Saucer" not in listed
    assert services.complete_order(None) == []
    empty = get_model("basket", "Basket").objects.create()
    assert services.complete_order(empty) == []


def test_fragment_endpoint(shop, client):
    train_all()
    response = client.get("/ecrm/recommendations/for-you/?limit=3")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert b"Recommended for you" in response.content
    client.force_login(shop["loner"])
    response = client.get("/ecrm/recommendations/for-you/?limit=abc&title=<b>Yours</b>")
    assert response.status_code == 200
    assert b"Scarf" in response.content
    assert b"<b>Yours</b>" not in response.content and b"&lt;b&gt;Yours" in response.content
    for url in (
        "/ecrm/recommendations/trending/?category=999999",
        "/ecrm/recommendations/trending/?category=abc&limit=-3",
    ):
        assert client.get(url).status_code == 200
    assert client.get("/ecrm/recommendations/nope/").status_code == 404
    assert client.post("/ecrm/recommendations/for-you/").status_code == 405


def test_basket_and_account_pages_show_recommendations(shop, client):
    train_all()
    client.force_login(shop["loner"])
    client.post(f"/basket/add/{shop['plate'].pk}/", {"quantity": 1})
    response = client.get("/basket/")
    assert b'data-ecrm-strategy="complete_order"' in response.content
    response = client.get("/accounts/profile/")
    assert b"data-ecrm-recommendations-url=" in response.content


def test_list_markup_feeds_the_tracking_beacon(shop, client):
    """The product page's list carries what beacon.js sends; the beacon records it."""
    import json
    import re

    from ecrm_oscar.tracking.models import Event

    train_all()
    page = client.get(shop["plate"].get_absolute_url()).content.decode()
    placement = re.search(r'data-ecrm-recommendations="([^"]+)"', page).group(1)
    products = re.search(r'data-ecrm-products="([^"]+)"', page).group(1).split(",")
    first = re.search(r'data-ecrm-product="(\d+)" data-ecrm-position="1"', page).group(1)
    assert placement == "product:also_bought" and first == products[0]
    body = {
        "events": [
            {
                "type": "recommendation_impression",
                "payload": {"placement": placement, "products": [int(p) for p in products]},
            },
            {
                "type": "recommendation_clicked",
                "product": int(first),
                "payload": {"placement": placement, "position": 1},
            },
        ]
    }
    response = client.post(
        "/ecrm/t/",
        json.dumps(body),
        content_type="application/json",
        HTTP_ORIGIN="http://testserver",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"recorded": 2, "tracking": True}
    clicked = Event.objects.get(type="recommendation_clicked")
    assert clicked.product_id == int(first)
    assert clicked.payload["placement"] == "product:also_bought"
