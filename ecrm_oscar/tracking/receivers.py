"""Receivers that turn Oscar and Django signals into events (connected in ``ready()``).

Every receiver is connected by :func:`connect` through ``safe_receiver`` (it logs instead
of raising) and records through ``capture.record`` (which guards its own write with a
savepoint), so nothing here can break the Oscar view that sent the signal. Oscar's
signals are connected without a sender: forked Oscar apps send them from their own view
classes. Model signals are connected to the model ``get_model`` returns, so a forked
basket app's ``Line`` is the one listened to.

Not here: category views and search result counts (``middleware.enrich``, from the page
context; Oscar sends no signal for a category page) and Wagtail page serves
(``wagtail_hooks.py``, calling :func:`on_page_served`).
"""

from __future__ import annotations

import sys
from typing import Any

from django.http import HttpRequest

from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.tracking import capture, event_types, services
from ecrm_oscar.tracking.abstract_models import Channel
from ecrm_oscar.tracking.middleware import current_request

MAX_QUANTITY = 10**6


def _request_of(sender: Any, kwargs: dict[str, Any]) -> HttpRequest | None:
    """The request a signal was sent for: given, the sending view's, or the current one."""
    request = kwargs.get("request") or getattr(sender, "request", None)
    if isinstance(request, HttpRequest):
        return request
    return current_request()


def _quantity(request: HttpRequest | None) -> int:
    try:
        quantity = int((request.POST.get("quantity") if request is not None else None) or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(quantity, 1), MAX_QUANTITY)


def _drop_pending(type: str, product_id: Any) -> None:
    """Forget a collected, unwritten event of ``type`` for ``product_id``."""
    pending = capture.pending()
    if pending:
        pending[:] = [e for e in pending if not (e.type == type and e.product_id == product_id)]


# --- catalogue and search ---------------------------------------------------------------


def on_product_viewed(sender: Any, product: Any = None, **kwargs: Any) -> None:
    """Oscar ``product_viewed``: the product page was shown."""
    if product is not None:
        capture.record(
            event_types.PRODUCT_VIEWED, request=_request_of(sender, kwargs), product=product
        )


def on_user_search(sender: Any, query: str = "", user: Any = None, **kwargs: Any) -> None:
    """Oscar ``user_search``: sent before the search runs, so the result count is added
    from the results page's context by ``middleware.enrich``."""
    if not (query or "").strip():
        return
    request = _request_of(sender, kwargs)
    if request is None:
        if user is not None and getattr(user, "is_authenticated", False):
            capture.record(event_types.SEARCHED, user=user, query=query)
        return
    event = capture.record(event_types.SEARCHED, request=request, query=query)
    if event is not None:
        request._ecrm_search_event = event


# --- basket -----------------------------------------------------------------------------


def on_basket_addition(sender: Any, product: Any = None, **kwargs: Any) -> None:
    """Oscar ``basket_addition``. Adding a product already in the basket saves its line
    with a higher quantity first; that line change is part of this addition, so the
    quantity-change event it produced is dropped."""
    request = _request_of(sender, kwargs)
    quantity = _quantity(request)
    _drop_pending(event_types.BASKET_QUANTITY_CHANGED, getattr(product, "pk", None))
    capture.record(
        event_types.BASKET_ADDED,
        request=request,
        product=product,
        value=quantity,
        payload={"quantity": quantity},
    )


def _remember_line(line: Any) -> None:
    # From __dict__: never load a deferred field here.
    line._ecrm_saved = (line.__dict__.get("basket_id"), line.__dict__.get("quantity"))


def _request_basket_id(request: HttpRequest | None) -> Any:
    """The id of the request's open basket once Oscar's BasketMiddleware resolved it.

    While it is being resolved (``request._basket_cache`` still None) the middleware may
    be merging the visitor's cookie basket into their account's at login: those line
    saves and deletions are not the shopper's doing and are not recorded.
    """
    basket = getattr(request, "_basket_cache", None) if request is not None else None
    return getattr(basket, "pk", None)


def on_basket_line_init(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    """``post_init`` of basket lines: remember basket and quantity as loaded."""
    if instance is not None:
        _remember_line(instance)


def on_basket_line_saved(
    sender: Any, instance: Any = None, created: bool = False, **kwargs: Any
) -> None:
    """``post_save`` of basket lines: a quantity change in the request's basket, or a
    line moved out of it (Oscar's "save for later"). A new line is the addition
    ``basket_addition`` reports."""
    if instance is None:
        return
    before = getattr(instance, "_ecrm_saved", None)
    _remember_line(instance)
    request = current_request()
    basket_id = _request_basket_id(request)
    if created or before is None or basket_id is None:
        return
    old_basket_id, old_quantity = before
    if old_basket_id != basket_id:
        return
    if instance.basket_id != basket_id:
        capture.record(
            event_types.BASKET_REMOVED,
            request=request,
            product=instance.product_id,
            value=old_quantity,
            payload={"quantity": old_quantity, "saved_for_later": True},
        )
    elif old_quantity != instance.quantity:
        capture.record(
            event_types.BASKET_QUANTITY_CHANGED,
            request=request,
            product=instance.product_id,
            value=instance.quantity,
            payload={"quantity": instance.quantity, "previous": old_quantity},
        )


def on_basket_line_deleted(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    """``post_delete`` of basket lines: a line removed from the request's basket."""
    request = current_request()
    basket_id = _request_basket_id(request)
    if instance is None or basket_id is None or instance.basket_id != basket_id:
        return
    # Oscar's basket form sets the quantity to 0 before deleting: report what was there.
    saved = getattr(instance, "_ecrm_saved", None)
    quantity = saved[1] if saved and saved[1] is not None else instance.quantity
    capture.record(
        event_types.BASKET_REMOVED,
        request=request,
        product=instance.product_id,
        value=quantity,
        payload={"quantity": quantity},
    )


def _voucher_event(type: str, sender: Any, basket: Any, voucher: Any, kwargs: dict) -> None:
    request = _request_of(sender, kwargs)
    payload = {"voucher": getattr(voucher, "pk", None)}
    if request is not None:
        capture.record(type, request=request, payload=payload)
    elif basket is not None and getattr(basket, "owner_id", None):
        capture.record(type, user=basket.owner_id, payload=payload)


def on_voucher_addition(sender: Any, basket: Any = None, voucher: Any = None, **kwargs) -> None:
    """Oscar ``voucher_addition``."""
    _voucher_event(event_types.VOUCHER_ADDED, sender, basket, voucher, kwargs)


def on_voucher_removal(sender: Any, basket: Any = None, voucher: Any = None, **kwargs) -> None:
    """Oscar ``voucher_removal``."""
    _voucher_event(event_types.VOUCHER_REMOVED, sender, basket, voucher, kwargs)


# --- checkout and orders ----------------------------------------------------------------


def on_start_checkout(sender: Any, **kwargs: Any) -> None:
    """Oscar ``start_checkout``; ``email`` (a guest's) is never stored."""
    capture.record(
        event_types.CHECKOUT_STARTED,
        request=_request_of(sender, kwargs),
        payload={"guest": bool(kwargs.get("email"))},
    )


def on_order_placed(sender: Any, order: Any = None, user: Any = None, **kwargs: Any) -> None:
    """Oscar ``order_placed`` (sent after the order is committed); value: the total."""
    if order is None:
        return
    capture.record(
        event_types.ORDER_PLACED,
        request=current_request(),
        user=order.user_id or (user if getattr(user, "is_authenticated", False) else None),
        order=order,
        value=order.total_incl_tax,
        payload={"number": order.number, "currency": order.currency},
    )


def on_order_status_changed(
    sender: Any, order: Any = None, old_status: str = "", new_status: str = "", **kwargs: Any
) -> None:
    """Oscar ``order_status_changed``: the customer's event, whoever changed the status
    (no request: the visitor and consent of a staff member are not the customer's)."""
    if order is None:
        return
    request = current_request()
    if request is None:
        channel = Channel.API
    elif getattr(getattr(request, "user", None), "is_staff", False):
        channel = Channel.DASHBOARD
    else:
        channel = Channel.WEB
    capture.record(
        event_types.ORDER_STATUS_CHANGED,
        user=order.user_id,
        order=order,
        channel=channel,
        payload={"from": old_status, "to": new_status, "number": order.number},
    )


# --- accounts ---------------------------------------------------------------------------


def _joined(type: str, request: HttpRequest | None, user: Any) -> None:
    if user is None or not getattr(user, "pk", None):
        return
    visitor_id = getattr(request, "ecrm_visitor_id", "") if request is not None else ""
    merged = 0
    # Registration logs the new account in too: one join per request is enough.
    if visitor_id and getattr(request, "_ecrm_joined", None) != (visitor_id, user.pk):
        merged = services.merge_visitor(visitor_id, user)
        request._ecrm_joined = (visitor_id, user.pk)
    capture.record(type, request=request, user=user, payload={"merged": merged})


def on_user_registered(sender: Any, user: Any = None, **kwargs: Any) -> None:
    """Oscar ``user_registered``: the visitor's anonymous history joins the account."""
    _joined(event_types.REGISTERED, _request_of(sender, kwargs), user)


def on_user_logged_in(sender: Any, user: Any = None, request: Any = None, **kwargs) -> None:
    """Django ``user_logged_in`` (storefront, dashboard and admin logins alike)."""
    _joined(event_types.LOGGED_IN, request if isinstance(request, HttpRequest) else None, user)


# --- Wagtail ----------------------------------------------------------------------------


def page_event_type(page: Any) -> str:
    """``help_article_viewed`` for help-center articles, else ``page_viewed``.

    A page class chooses its own type with an ``ecrm_event_type`` attribute; without
    one, pages of the ``ecrm_helpcenter`` app whose model name contains "article" are
    help articles.
    """
    declared = getattr(page, "ecrm_event_type", None)
    if declared and event_types.get(declared) is not None:
        return declared
    meta = getattr(page, "_meta", None)
    if meta is not None and meta.app_label == "ecrm_helpcenter" and "article" in meta.model_name:
        return event_types.HELP_ARTICLE_VIEWED
    return event_types.PAGE_VIEWED


def on_page_served(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """A Wagtail page was served to the visitor (``wagtail_hooks``); ``sender`` is it."""
    if sender is None or request is None:
        return
    capture.record(
        page_event_type(sender),
        request=request,
        payload={"page": sender.pk, "title": getattr(sender, "title", "")},
    )


# --- connection -------------------------------------------------------------------------


def _connections() -> list[tuple[Any, str, Any, bool]]:
    """(signal, receiver name, sender, atomic) for every receiver of this module."""
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import post_delete, post_init, post_save
    from oscar.apps.basket.signals import basket_addition, voucher_addition, voucher_removal
    from oscar.apps.catalogue.signals import product_viewed
    from oscar.apps.checkout.signals import start_checkout
    from oscar.apps.customer.signals import user_registered
    from oscar.apps.order.signals import order_placed, order_status_changed
    from oscar.apps.search.signals import user_search
    from oscar.core.loading import get_model

    line = get_model("basket", "Line")
    return [
        (product_viewed, "on_product_viewed", None, False),
        (user_search, "on_user_search", None, False),
        (basket_addition, "on_basket_addition", None, False),
        (post_init, "on_basket_line_init", line, False),
        (post_save, "on_basket_line_saved", line, False),
        (post_delete, "on_basket_line_deleted", line, False),
        (voucher_addition, "on_voucher_addition", None, False),
        (voucher_removal, "on_voucher_removal", None, False),
        (start_checkout, "on_start_checkout", None, False),
        (order_placed, "on_order_placed", None, False),
        (order_status_changed, "on_order_status_changed", None, False),
        (user_registered, "on_user_registered", None, True),
        (user_logged_in, "on_user_logged_in", None, True),
    ]


def connect() -> None:
    """Connect every tracking receiver. Each one goes through ``safe_receiver``.

    ``atomic`` receivers (the account ones: they update earlier events) write in a
    savepoint; the others only call ``capture.record``, which guards its own write.
    """
    module = sys.modules[__name__]
    for signal, name, sender, atomic in _connections():
        signal.connect(
            safe_receiver(getattr(module, name), atomic=atomic),
            sender=sender,
            weak=False,
            dispatch_uid=f"ecrm.tracking.{name}",
        )


def disconnect() -> None:
    for signal, name, sender, _atomic in _connections():
        signal.disconnect(sender=sender, dispatch_uid=f"ecrm.tracking.{name}")
