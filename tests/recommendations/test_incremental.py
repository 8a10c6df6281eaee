"""The refresh after an order (receiver → task) and the beat schedule of the full retrain."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from ecrm_oscar.recommendations import receivers, services, tasks
from ecrm_oscar.recommendations.models import Recommendation
from ecrm_oscar.recommendations.schedule import BEAT_SCHEDULE
from ecrm_oscar.recommendations.training import train_all
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    mug, plate, saucer = create_product("Mug"), create_product("Plate"), create_product("Saucer")
    scarf = create_product("Scarf")
    now = timezone.now()
    buyers = [create_customer() for _ in range(4)]
    for days, buyer in enumerate(buyers):
        create_purchase(buyer, [(mug, 1), (plate, 2)], placed_at=now - timedelta(days=40 + days))
        create_purchase(buyer, [(saucer, 1), (mug, 1)], placed_at=now - timedelta(days=days))
    loner = create_customer()
    create_purchase(loner, [(scarf, 1)], placed_at=now - timedelta(days=3))
    train_all()
    return {"mug": mug, "plate": plate, "saucer": saucer, "scarf": scarf, "loner": loner}


def stored(strategy, subject):
    return list(
        Recommendation.objects.filter(strategy=strategy, subject=subject)
        .order_by("rank")
        .values_list("product_id", "score")
    )


def test_an_order_refreshes_the_customers_list_and_the_ordered_products(
    shop, django_capture_on_commit_callbacks
):
    loner, mug, scarf = shop["loner"], shop["mug"], shop["scarf"]
    assert [p.title for p in services.for_user(loner, 6)][0] == "Scarf"
    assert stored("also_bought", f"product:{scarf.pk}") == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        create_purchase(loner, [(mug, 1), (scarf, 1)])
    assert callbacks  # enqueued after the commit, not in the request
    listed = [p.title for p in services.for_user(loner, 6)]
    assert listed[:2] == ["Scarf", "Mug"]  # own items: the scarf in both orders, the mug once
    assert {"Plate", "Saucer"} <= set(listed)  # the mug's neighbours came with it
    refreshed = {
        subject: stored("also_bought", subject)
        for subject in (f"product:{mug.pk}", f"product:{scarf.pk}")
    }
    assert [pk for pk, _ in refreshed[f"product:{scarf.pk}"]] == [mug.pk]
    # the refreshed also-bought lists are exactly what a full retrain stores
    train_all()
    for subject, rows in refreshed.items():
        again = stored("also_bought", subject)
        assert [pk for pk, _ in rows] == [pk for pk, _ in again]
        assert [score for _, score in rows] == pytest.approx([score for _, score in again])


def test_refresh_is_idempotent_and_leaves_other_lists_alone(shop):
    order = create_purchase(shop["loner"], [(shop["plate"], 1)])
    others = stored("personal", f"user:{order.user_id + 10_000}")
    before = Recommendation.objects.exclude(
        subject__in=[f"user:{order.user_id}", f"product:{shop['plate'].pk}"]
    ).count()
    first = tasks.refresh_order(order.pk)
    assert first["personal"] > 0 and first["also_bought"] > 0
    rows = stored("personal", f"user:{order.user_id}")
    assert tasks.refresh_order(order.pk) == first
    assert stored("personal", f"user:{order.user_id}") == rows
    assert others == []
    assert (
        Recommendation.objects.exclude(
            subject__in=[f"user:{order.user_id}", f"product:{shop['plate'].pk}"]
        ).count()
        == before
    )


@override_settings(ECRM_RECOMMENDATION_INCLUDE_PURCHASED=False)
def test_refresh_leaves_out_bought_items_when_configured(shop):
    order = create_purchase(shop["loner"], [(shop["mug"], 1)])
    tasks.refresh_order(order.pk)
    listed = {pk for pk, _ in stored("personal", f"user:{order.user_id}")}
    assert listed and not listed & {shop["mug"].pk, shop["scarf"].pk}


def test_guest_or_missing_orders_refresh_nothing(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        guest = create_purchase(None, [(shop["mug"], 1)])
    assert not [c for c in callbacks if "refresh_order" in repr(c.__closure__)]
    assert tasks.refresh_order(guest.pk) == {}
    assert tasks.refresh_order(987_654) == {}


def test_receiver_is_off_by_setting_and_never_raises(shop, django_capture_on_commit_callbacks):
    with (
        override_settings(ECRM_RECOMMENDATION_UPDATE_ON_ORDER=False),
        mock.patch.object(receivers, "enqueue_on_commit") as enqueue,
    ):
        create_purchase(shop["loner"], [(shop["mug"], 1)])
    enqueue.assert_not_called()
    assert receivers.on_order_placed.ecrm_safe
    with mock.patch.object(receivers, "enqueue_on_commit", side_effect=RuntimeError("broker")):
        order = create_purchase(shop["loner"], [(shop["plate"], 1)])  # the checkout goes on
    assert order.pk


def test_full_retrain_is_in_the_beat_schedule():
    entry = BEAT_SCHEDULE["ecrm.recommendations.train"]
    assert entry["task"] == tasks.train.name == "ecrm.recommendations.train"
    # the demo shop's beat runs it (the test settings are the demo shop's)
    assert settings.CELERY_BEAT_SCHEDULE["ecrm.recommendations.train"] == entry
