"""Factories for customers and their purchase history, built on Oscar's own factories.

Orders go through Oscar's ``OrderCreator`` (``oscar.test.factories.create_order``), so the
real ``order_placed`` signal fires and every receiver runs as in a checkout; only the date
is moved afterwards when a test needs history in the past. Users come from
``get_user_model()``, so projects with a custom user model can use these too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_class, get_model
from oscar.test import factories as oscar_factories

_sequence = itertools.count(1)

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Default = get_class("partner.strategy", "Default")


def create_customer(email: str | None = None, password: str = "password", **fields: Any):
    """A shopper account that can log in with ``email`` and ``password``."""
    number = next(_sequence)
    email = email or f"shopper-{number}@example.com"
    User = get_user_model()
    username_field = User.USERNAME_FIELD
    fields.setdefault(username_field, email if username_field == "email" else f"shopper{number}")
    fields.setdefault("email", email)
    user = User(**fields)
    user.set_password(password)
    user.save()
    return user


def create_product(title: str | None = None, price: Decimal | str = "10.00", stock: int = 100):
    """A public product with one stock record, buyable under Oscar's default strategy."""
    number = next(_sequence)
    return oscar_factories.create_product(
        title=title or f"Product {number}",
        upc=f"ECRM-{number:06d}",
        price=Decimal(str(price)),
        num_in_stock=stock,
    )


def create_purchase(
    user=None,
    items: Iterable[tuple[Any, int]] | None = None,
    placed_at: datetime | None = None,
    number: str | None = None,
):
    """Place an order for ``items`` (``(product, quantity)`` pairs) through Oscar.

    ``placed_at`` back-dates it after the fact (the signal still fires at "now", as it
    would for a live checkout); ``user=None`` places a guest order.
    """
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product, quantity in items or [(create_product(), 1)]:
        basket.add_product(product, quantity)
    order = oscar_factories.create_order(
        number=number or f"T{next(_sequence):08d}",
        basket=basket,
        user=user,
        guest_email="" if user else "guest@example.com",
    )
    if placed_at is not None:
        Order.objects.filter(pk=order.pk).update(date_placed=placed_at)
        order.date_placed = placed_at
    return order


def create_purchase_history(
    user,
    totals: Sequence[Decimal | str],
    start: datetime | None = None,
    every: timedelta = timedelta(days=30),
) -> list:
    """One order per amount in ``totals``, ``every`` apart, ending no later than now."""
    start = start or timezone.now() - every * len(totals)
    orders = []
    for index, total in enumerate(totals):
        product = create_product(price=total)
        orders.append(create_purchase(user, [(product, 1)], placed_at=start + every * index))
    return orders
