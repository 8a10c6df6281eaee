"""The public test factories place real Oscar orders (signals included)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone
from oscar.apps.order.signals import order_placed

from ecrm_oscar.testing.factories import (
    create_customer,
    create_product,
    create_purchase,
    create_purchase_history,
)


@pytest.mark.django_db
def test_customer_can_log_in_with_email():
    user = create_customer("ann@example.com", password="s3cret")
    assert authenticate(username="ann@example.com", password="s3cret") == user


@pytest.mark.django_db
def test_purchase_sends_order_placed_and_can_be_back_dated():
    heard = []

    def receiver(sender, order, user, **kwargs):
        heard.append((order.number, user))

    order_placed.connect(receiver)
    try:
        user = create_customer()
        mug, plate = create_product(price="4.50"), create_product(price="2.00")
        placed = timezone.now() - timedelta(days=400)
        order = create_purchase(user, [(mug, 2), (plate, 1)], placed_at=placed)
    finally:
        order_placed.disconnect(receiver)
    assert heard == [(order.number, user)]
    order.refresh_from_db()
    assert order.date_placed == placed
    assert order.total_incl_tax == Decimal("11.00")
    assert sorted(order.lines.values_list("quantity", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_guest_purchase():
    order = create_purchase()
    assert order.user is None and order.guest_email == "guest@example.com"


@pytest.mark.django_db
def test_purchase_history_is_spaced_and_ordered():
    user = create_customer()
    orders = create_purchase_history(user, ["10.00", "20.00", "30.00"], every=timedelta(days=7))
    dates = [order.date_placed for order in orders]
    assert [b - a for a, b in zip(dates, dates[1:], strict=False)] == [timedelta(days=7)] * 2
    assert dates[-1] <= timezone.now()
    assert [order.total_incl_tax for order in orders] == [
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("30.00"),
    ]
