"""``safe_receiver``: the wrapper every django-ecrm signal receiver goes through.

Oscar sends ``order_placed`` after the order is committed; an exception in a receiver
would show the customer "a problem occurred" after they paid (oscar/apps/order/utils.py,
oscar/apps/checkout/views.py). So a receiver of ours skips fixture loading (``raw``),
does its database writes in a savepoint, and logs instead of raising.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

from ecrm_oscar import conf

logger = logging.getLogger("ecrm.receivers")


def safe_receiver(
    func: Callable[..., Any] | None = None, *, atomic: bool = True
) -> Callable[..., Any]:
    """Wrap a signal receiver so it can never break the code that sent the signal.

    ``@safe_receiver`` or ``safe_receiver(func)``. ``atomic=False``
    (``@safe_receiver(atomic=False)``) leaves out the savepoint, for receivers that
    write nothing themselves or guard their own writes (``tracking.capture.record``),
    and for hot signals like ``post_init``: on SQLite every ``atomic`` block begins a
    transaction.
    """
    if func is None:
        return functools.partial(safe_receiver, atomic=atomic)

    @functools.wraps(func)
    def wrapper(sender: Any, **kwargs: Any) -> Any:
        if kwargs.get("raw"):
            return None
        try:
            if not atomic:
                return func(sender, **kwargs)
            with transaction.atomic(using=kwargs.get("using") or DEFAULT_DB_ALIAS):
                return func(sender, **kwargs)
        except Exception:
            if not conf.get("ECRM_SAFE_RECEIVERS"):
                raise
            logger.exception(
                "django-ecrm receiver %s.%s failed; the sender was not affected",
                func.__module__,
                func.__qualname__,
            )
            return None

    wrapper.ecrm_safe = True  # type: ignore[attr-defined]
    return wrapper
