"""The Oscar side of a person's export and erasure: account, addresses and orders.

Orders are kept for accounting (totals, lines, dates, tax, the shipping country) and lose
what names the person: the account link, the guest email, and every personal field of
their shipping and billing addresses. The account itself is then deleted (Django's
``user.delete()``): Oscar removes the person's addresses, baskets, wish lists and alerts
with it, and the ecrm tables that keep rows (events, loyalty ledger, support messages)
were already unlinked by their providers. Before that, :func:`erase_oscar_data` handles
what the cascade would miss or get wrong: reviews (anonymised or deleted, ratings
recomputed), notes on the orders, emails, alerts and wish-list shares recorded for the
person's address only, and voucher uses (kept, unlinked). See docs/privacy.md.
"""

from __future__ import annotations

import re
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


# -- Oscar's other tables: reviews, notes, emails, alerts, notifications, vouchers ---------

ERASED = "[erased]"


def _model(app_label: str, name: str) -> type[models.Model] | None:
    """An Oscar model, or None when its app is not installed in this project."""
    try:
        return get_model(app_label, name)
    except LookupError:
        return None


def identifiers(user: Any) -> list[str]:
    """Strings that name the person (longest first), to scrub from free text others keep."""
    names = [
        user.email,
        user.get_username(),
        user.get_full_name() if hasattr(user, "get_full_name") else "",
        getattr(user, "first_name", ""),
        getattr(user, "last_name", ""),
    ]
    found = {name.strip() for name in names if name and len(name.strip()) >= 3}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, names: list[str]) -> str:
    """``text`` with every (case-insensitive, whole-word) occurrence of ``names`` replaced:
    a first name "Ann" goes, "announce" stays."""
    if not text or not names:
        return text
    alternatives = "|".join(re.escape(name) for name in names)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return pattern.sub(ERASED, text)


def _by_person(model: type[models.Model], user: Any, user_field: str = "user") -> models.Q:
    condition = models.Q(**{f"{user_field}_id": user.pk})
    email = (user.email or "").strip()
    if email and any(f.name == "email" for f in model._meta.get_fields()):
        condition |= models.Q(email__iexact=email)
    return condition


def export_oscar_data(user: Any) -> dict[str, Any]:
    """The person's reviews, stock alerts, wish lists and emails Oscar sent them."""
    data: dict[str, Any] = {}
    Review = _model("reviews", "ProductReview")
    if Review is not None:
        data["reviews"] = [
            {
                "product": review.product.get_title() if review.product else None,
                "score": review.score,
                "title": review.title,
                "body": review.body,
                "name": review.name,
                "email": review.email,
                "status": review.get_status_display(),
                "date_created": _plain(review.date_created),
            }
            for review in Review.objects.filter(_by_person(Review, user)).select_related("product")
        ]
    Alert = _model("customer", "ProductAlert")
    if Alert is not None:
        data["product_alerts"] = [
            {
                "product": alert.product.get_title(),
                "email": alert.email,
                "status": alert.status,
                "date_created": _plain(alert.date_created),
            }
            for alert in Alert.objects.filter(_by_person(Alert, user)).select_related("product")
        ]
    WishList = _model("wishlists", "WishList")
    if WishList is not None:
        data["wishlists"] = [
            {
                "name": wishlist.name,
                "visibility": wishlist.visibility,
                "products": [line.get_title() for line in wishlist.lines.all()],
                "shared_with": [shared.email for shared in wishlist.shared_emails.all()],
            }
            for wishlist in WishList.objects.filter(owner_id=user.pk).prefetch_related(
                "lines__product", "shared_emails"
            )
        ]
    Email = _model("communication", "Email")
    if Email is not None:
        data["emails"] = [
            {"subject": email.subject, "to": email.email, "sent": _plain(email.date_sent)}
            for email in Email.objects.filter(_by_person(Email, user))
        ]
    return data


def _erase_reviews(user: Any, names: list[str]) -> dict[str, int]:
    from ecrm_oscar import conf

    Review = _model("reviews", "ProductReview")
    Vote = _model("reviews", "Vote")
    counts: dict[str, int] = {}
    if Vote is not None:
        voted = list(
            Review.objects.filter(votes__user_id=user.pk).exclude(user_id=user.pk).distinct()
        )
        counts["Vote"], _ = Vote.objects.filter(user_id=user.pk).delete()
        for review in voted:
            review.update_totals()
    if Review is None:
        return counts
    reviews = list(Review.objects.filter(_by_person(Review, user)).select_related("product"))
    if conf.get("ECRM_ERASURE_REVIEWS") == "delete":
        for review in reviews:
            review.delete()  # one by one: Oscar recomputes the product's rating
        counts["ProductReview (deleted)"] = len(reviews)
        return counts
    for review in reviews:
        review.user = None
        review.name = ""
        review.email = ""
        review.homepage = ""
        review.title = scrub(review.title, names)
        review.body = scrub(review.body, names)
    Review.objects.bulk_update(reviews, ["user", "name", "email", "homepage", "title", "body"])
    counts["ProductReview (anonymised)"] = len(reviews)
    return counts


def erase_oscar_data(user: Any) -> dict[str, int]:
    """Before the account is deleted: what Oscar keeps about the person beyond the cascade.

    Reviews lose their author (or go, ``ECRM_ERASURE_REVIEWS``); the person's notes on
    orders go and others' notes on their orders are scrubbed of their names; emails,
    stock alerts and wish-list shares recorded for their address (no account link) go;
    voucher uses are kept for accounting without the account. Addresses, baskets, wish
    lists, notifications, bank cards and analytics rows go with the account itself.
    """
    names = identifiers(user)
    counts = _erase_reviews(user, names) if _model("reviews", "ProductReview") else {}
    Note = _model("order", "OrderNote")
    if Note is not None:
        counts["OrderNote (theirs, deleted)"], _ = Note.objects.filter(user_id=user.pk).delete()
        notes = list(Note.objects.filter(order__user_id=user.pk))
        changed = [note for note in notes if scrub(note.message, names) != note.message]
        for note in changed:
            note.message = scrub(note.message, names)
        Note.objects.bulk_update(changed, ["message"])
        counts["OrderNote (scrubbed)"] = len(changed)
    for app_label, name in (("communication", "Email"), ("customer", "ProductAlert")):
        model = _model(app_label, name)
        if model is not None:
            counts[name], _ = model.objects.filter(_by_person(model, user)).delete()
    Shared = _model("wishlists", "WishListSharedEmail")
    if Shared is not None and user.email:
        counts["WishListSharedEmail"], _ = Shared.objects.filter(email__iexact=user.email).delete()
    Application = _model("voucher", "VoucherApplication")
    if Application is not None:
        counts["VoucherApplication (unlinked)"] = Application.objects.filter(
            user_id=user.pk
        ).update(user=None)
    return {key: n for key, n in counts.items() if n}
