"""Fast fixtures for customer data: orders written directly (no signal), events in bulk.

Tests of the order_placed path use ``ecrm_oscar.testing.factories.create_purchase`` (a real
Oscar checkout); these helpers are for populations, where only the rows matter.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.testing.factories import create_customer
from ecrm_oscar.tracking.models import Event

_numbers = itertools.count(1)
AS_OF = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)


def make_order(user, total, placed: datetime, status: str = "Complete"):
    """An order row as an import would write it: no lines, no signal."""
    Order = get_model("order", "Order")
    total = Decimal(str(total))
    return Order.objects.create(
        number=f"H{next(_numbers):08d}",
        user=user,
        currency="GBP",
        total_incl_tax=total,
        total_excl_tax=total,
        shipping_incl_tax=Decimal("0"),
        shipping_excl_tax=Decimal("0"),
        status=status,
        date_placed=placed,
    )


def customer_with_orders(totals, days_ago, as_of: datetime, **fields):
    """A customer whose orders are ``totals`` placed ``days_ago`` (same length) before as_of."""
    user = create_customer(**fields)
    for total, days in zip(totals, days_ago, strict=True):
        make_order(user, total, as_of - timedelta(days=days))
    return user


def population(as_of: datetime, size: int = 30):
    """``size`` customers with varied, deterministic histories (enough for fitted priors)."""
    users = []
    for i in range(size):
        n = 1 + (i * 7) % 6
        totals = [20 + ((i * 13 + k * 29) % 180) for k in range(n)]
        days = sorted({3 + ((i * 37 + k * 53) % 360) for k in range(n)}, reverse=True)
        while len(days) < n:
            days.append(days[-1] - 1 if days[-1] > 1 else 0)
        users.append(customer_with_orders(totals, days[:n], as_of))
    return users


def events(user=None, visitor_id: str = "", type: str = "product_viewed", n: int = 1, **fields):
    """``n`` events bulk-inserted (no post_save), newest last."""
    now = fields.pop("created_at", None) or timezone.now()
    rows = [
        Event(
            type=type,
            user=user,
            visitor_id=visitor_id,
            created_at=now - timedelta(seconds=n - i),
            **fields,
        )
        for i in range(n)
    ]
    return Event.objects.bulk_create(rows)


def clear_cache() -> None:
    cache.clear()
