"""``recommend_many``: many shoppers' lists at once (automation emails), the same lists as
``recommend`` gives one by one, in a number of queries that does not grow with them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.recommendations import services
from ecrm_oscar.recommendations.models import Exclusion, Pin, PlacementSetting
from ecrm_oscar.recommendations.training import train_all
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db

Event = get_model("ecrm_tracking", "Event")


@pytest.fixture
def shop(settings):
    """Twelve products, one out of stock; shoppers with different purchase histories."""
    settings.ECRM_RECOMMENDATION_CACHE_SECONDS = 0  # compare fresh lists
    products = [create_product(f"Item {n:02}") for n in range(11)]
    products.append(create_product("Sold out", stock=0))
    now = timezone.now()
    shoppers = []
    for n in range(8):
        shopper = create_customer()
        basket = [(products[(n + k) % 12], 1) for k in range(3)]
        create_purchase(shopper, basket, placed_at=now - timedelta(days=30 + n))
        create_purchase(shopper, [(products[(n * 5) % 12], 1)], placed_at=now - timedelta(days=n))
        shoppers.append(shopper)
    shoppers.append(create_customer())  # no history: trending only
    train_all()
    cache.clear()
    return {"products": products, "shoppers": shoppers}


def one_by_one(users, **kwargs):
    return {
        user.pk: services.recommend("home", user=user, strategy="personal", **kwargs)
        for user in users
    }


def same(many, single):
    assert set(many) == set(single)
    for pk, products in single.items():
        assert [(p.pk, p.ecrm_strategy) for p in many[pk]] == [
            (p.pk, p.ecrm_strategy) for p in products
        ], pk
        assert many[pk].strategy == products.strategy


def test_the_same_lists_as_one_by_one(shop):
    users = shop["shoppers"]
    many = services.recommend_many("home", users, limit=6, strategy="personal")
    assert any(many.values()) and all(len(products) <= 6 for products in many.values())
    same(many, one_by_one(users, limit=6))
    sold_out = shop["products"][-1].pk
    assert all(sold_out not in [p.pk for p in products] for products in many.values())


def test_owner_settings_apply_as_one_by_one(shop):
    users = shop["shoppers"]
    products = shop["products"]
    PlacementSetting.objects.create(
        placement="home", strategy="trending", include_purchased="no", limit=4
    )
    Exclusion.objects.create(product=products[1])
    Pin.objects.create(placement="home", product=products[7], position=1)
    services.lists_changed()
    many = services.recommend_many("home", users, limit=6, strategy="personal")
    assert all(len(listed) <= 4 for listed in many.values())
    assert all(products[1].pk not in [p.pk for p in listed] for listed in many.values())
    same(many, one_by_one(users, limit=6))


def test_feedback_demotes_as_one_by_one(shop, settings):
    settings.ECRM_RECOMMENDATION_DEMOTE_AFTER = 2
    users = shop["shoppers"]
    first = services.recommend("home", user=users[0], strategy="personal", limit=3)
    shown = {"placement": "home:personal", "products": [first[0].pk]}
    for _ in range(2):
        Event.objects.create(type="recommendation_impression", user=users[0], payload=shown)
    cache.clear()  # the counts are read from the events, for all shoppers in one query
    many = services.recommend_many("home", users, limit=3, strategy="personal")
    assert many[users[0].pk][0].pk != first[0].pk  # shown twice, never clicked: moved down
    same(many, one_by_one(users, limit=3))


def test_queries_do_not_grow_with_the_shoppers(shop, settings):
    settings.ECRM_RECOMMENDATION_INCLUDE_PURCHASED = False
    users = shop["shoppers"]
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        services.recommend_many("home", users[:2], limit=6, strategy="personal")
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        services.recommend_many("home", users, limit=6, strategy="personal")
    assert len(many) == len(few)


def test_no_shoppers_or_switched_off(shop, settings):
    assert services.recommend_many("home", [], limit=6) == {}
    user = shop["shoppers"][0]
    assert services.recommend_many("home", [user], limit=0)[user.pk] == []
    PlacementSetting.objects.create(placement="home", strategy="personal", enabled=False)
    services.lists_changed()
    assert services.recommend_many("home", [user], limit=6)[user.pk] == []
