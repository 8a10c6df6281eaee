"""The event types django-ecrm records, as a registry other apps can extend.

A type is a short stable string stored on every row (``Event.type``); the label is what
the 360° timeline shows. Apps register their own with :func:`register` in ``ready()``.
Types flagged ``client=True`` may arrive from the browser beacon; every other type is
only ever recorded by server-side code, so a forged beacon cannot claim an order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventType:
    code: str
    label: str | Promise
    client: bool = False


_registry: dict[str, EventType] = {}


def register(code: str, label: str | Promise, *, client: bool = False) -> EventType:
    """Add (or replace) an event type; ``code`` is at most 40 characters."""
    if not code or len(code) > 40:
        raise ValueError(f"event type codes are 1-40 characters: {code!r}")
    event_type = EventType(code, label, client)
    _registry[code] = event_type
    return event_type


def get(code: str) -> EventType | None:
    return _registry.get(code)


def all_types() -> list[EventType]:
    return list(_registry.values())


def client_types() -> set[str]:
    return {code for code, event_type in _registry.items() if event_type.client}


PRODUCT_VIEWED = register("product_viewed", _("Viewed a product")).code
CATEGORY_VIEWED = register("category_viewed", _("Viewed a category")).code
SEARCHED = register("searched", _("Searched")).code
BASKET_ADDED = register("basket_added", _("Added to basket")).code
BASKET_QUANTITY_CHANGED = register("basket_quantity_changed", _("Changed basket quantity")).code
BASKET_REMOVED = register("basket_removed", _("Removed from basket")).code
VOUCHER_ADDED = register("voucher_added", _("Added a voucher")).code
VOUCHER_REMOVED = register("voucher_removed", _("Removed a voucher")).code
CHECKOUT_STARTED = register("checkout_started", _("Started checkout")).code
ORDER_PLACED = register("order_placed", _("Placed an order")).code
ORDER_STATUS_CHANGED = register("order_status_changed", _("Order status changed")).code
REGISTERED = register("registered", _("Registered")).code
LOGGED_IN = register("logged_in", _("Logged in")).code
PAGE_VIEWED = register("page_viewed", _("Viewed a page")).code
HELP_ARTICLE_VIEWED = register("help_article_viewed", _("Read a help article")).code
RECOMMENDATION_IMPRESSION = register(
    "recommendation_impression", _("Was shown recommendations"), client=True
).code
RECOMMENDATION_CLICKED = register(
    "recommendation_clicked", _("Clicked a recommendation"), client=True
).code
EMAIL_OPENED = register("email_opened", _("Opened an email")).code
EMAIL_CLICKED = register("email_clicked", _("Clicked a link in an email")).code
SUPPORT_CASE = register("support_case", _("Support case")).code
