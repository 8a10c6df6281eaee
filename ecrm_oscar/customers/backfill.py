"""``order_placed`` events for orders that never sent the signal (imported history).

The demo loader (and any import of past orders with ``bulk_create``) creates Oscar orders
without sending ``order_placed``, so no event was recorded. Profiles read orders
directly and need nothing; the 360° timeline reads events, so this writes one
``order_placed`` event per customer order that has none, dated when the order was
placed, on the ``import`` channel. Idempotent: a second run finds every order covered
and writes nothing. Guest orders (no user) are skipped: they have no timeline.
"""

from __future__ import annotations

from collections.abc import Callable

from oscar.core.loading import get_model

from ecrm_oscar.tracking import event_types
from ecrm_oscar.tracking.abstract_models import Channel
from ecrm_oscar.tracking.models import Event

BATCH_SIZE = 2000


def orders_without_event():
    Order = get_model("order", "Order")
    covered = Event.objects.filter(type=event_types.ORDER_PLACED, order__isnull=False).values(
        "order_id"
    )
    return Order.objects.filter(user__isnull=False).exclude(pk__in=covered)


def backfill_order_events(
    progress: Callable[[str, int, str], Callable[[int], None]] | None = None,
) -> int:
    """Write the missing events, in batches by order id; return how many were written."""
    missing = orders_without_event()
    total = missing.count()
    if not total:
        return 0
    tick = progress("Backfilling order events", total, " orders") if progress else None
    written = 0
    last_pk = 0
    while True:
        batch = list(
            missing.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "user_id", "number", "total_incl_tax", "currency", "date_placed")[
                :BATCH_SIZE
            ]
        )
        if not batch:
            break
        Event.objects.bulk_create(
            [
                Event(
                    type=event_types.ORDER_PLACED,
                    channel=Channel.IMPORT,
                    user_id=user_id,
                    order_id=pk,
                    value=order_total,
                    created_at=placed,
                    payload={"number": number, "currency": currency, "backfilled": True},
                )
                for pk, user_id, number, order_total, currency, placed in batch
            ]
        )
        last_pk = batch[-1][0]
        written += len(batch)
        if tick:
            tick(len(batch))
    return written
