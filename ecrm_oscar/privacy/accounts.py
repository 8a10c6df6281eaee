"""The Oscar side of a person's export and erasure: account, addresses and orders.

Orders are kept for accounting (totals, lines, dates, tax, the shipping country) and lose
what names the person: the account link, the guest email, and every personal field of
their shipping and billing addresses. The account itself is then deleted (Django's
``user.delete()``): Oscar removes the person's addresses, baskets, wish lists and alerts
with it, and the ecrm tables that keep rows (events, loyalty ledger, support messages)
were already unlinked by their providers. See docs/privacy.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from oscar.core.loading import get_model

#: Address fields that name or locate the person (country is kept: tax and accounting).
ADDRESS_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "line1",
    "line2",
    "line3",
    "line4",
    "state",
    "postcode",
    "search_text",
)
SHIPPING_ONLY_FIELDS = ("phone_number", "notes")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _address(address: Any) -> dict[str, Any] | None:
    if address is None:
        return None
    names = [f for f in ADDRESS_FIELDS if f != "search_text"] + ["country_id"]
    names += [f for f in SHIPPING_ONLY_FIELDS if hasattr(address, f)]
    return {name: _plain(getattr(address, name, "")) for name in names}


def export_account(user: Any) -> dict[str, Any]:
    """The account, saved addresses and orders (with lines) of ``user``."""
    Order = get_model("order", "Order")
    UserAddress = get_model("address", "UserAddress")
    orders = (
        Order.objects.filter(user_id=user.pk)
        .select_related("shipping_address", "billing_address")
        .prefetch_related("lines")
        .order_by("date_placed")
    )
    return {
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": getattr(user, "first_name", ""),
            "last_name": getattr(user, "last_name", ""),
            "date_joined": _plain(getattr(user, "date_joined", None)),
            "last_login": _plain(user.last_login),
        },
        "addresses": [_address(a) for a in UserAddress.objects.filter(user_id=user.pk)],
        "orders": [
            {
                "number": order.number,
                "placed": _plain(order.date_placed),
                "status": order.status,
                "currency": order.currency,
                "total_incl_tax": _plain(order.total_incl_tax),
                "shipping_address": _address(order.shipping_address),
                "billing_address": _address(order.billing_address),
                "lines": [
                    {
                        "title": line.title,
                        "sku": line.partner_sku,
                        "quantity": line.quantity,
                        "price_incl_tax": _plain(line.line_price_incl_tax),
                    }
                    for line in order.lines.all()
                ],
            }
            for order in orders
        ],
    }


def _blank(model: type[models.Model], ids: list[int]) -> int:
    if not ids:
        return 0
    names = [f.name for f in model._meta.get_fields() if f.name in ADDRESS_FIELDS]
    names += [f.name for f in model._meta.get_fields() if f.name in SHIPPING_ONLY_FIELDS]
    return model.objects.filter(pk__in=ids).update(**{name: "" for name in names})


def anonymise_orders(user: Any) -> dict[str, int]:
    """Keep the orders, drop what names the person (as far as Oscar's tables allow)."""
    Order = get_model("order", "Order")
    orders = Order.objects.filter(user_id=user.pk)
    shipping = [i for i in orders.values_list("shipping_address_id", flat=True) if i]
    billing = [i for i in orders.values_list("billing_address_id", flat=True) if i]
    counts = {
        "ShippingAddress": _blank(get_model("order", "ShippingAddress"), shipping),
        "BillingAddress": _blank(get_model("order", "BillingAddress"), billing),
    }
    counts["Order"] = orders.update(user=None, guest_email="")
    return counts


def delete_account(user: Any) -> dict[str, int]:
    """Delete the account (Oscar cascades addresses, baskets, wish lists, alerts)."""
    _total, by_model = user.delete()
    return {label.split(".")[-1]: n for label, n in by_model.items() if n}
