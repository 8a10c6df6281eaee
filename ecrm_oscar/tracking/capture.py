"""``record()``: the single entry point that writes an event.

Everything that records behaviour (receivers, middleware, the beacon, other ecrm apps)
calls this function, so the consent, Do-Not-Track and bot rules live in one place
(:mod:`ecrm_oscar.tracking.gate`) and so does the cleaning of what is stored
(:mod:`ecrm_oscar.tracking.sanitize`).

When and how events are written:

- During a request handled by ``VisitorMiddleware`` (or inside :func:`batch`), events
  are collected and written together once the response has been sent (at the end of
  the block): one ``INSERT`` per request however many events it recorded, and not on
  the shopper's wait. ``record()`` then returns the unsaved event (``pk`` is None
  until then).
- Anywhere else (Celery tasks, management commands, ``immediate=True``) the event is
  written at once.
- A write never raises into the caller: it runs in a savepoint when a transaction is
  open (so a failing insert cannot poison the caller's transaction, e.g. on PostgreSQL)
  and its errors are logged on ``ecrm.tracking``. ``ECRM_SAFE_RECEIVERS = False`` (the
  plugin's own tests) lets them through instead.
- On PostgreSQL, a transaction that writes only events is committed with
  ``synchronous_commit = off`` unless ``ECRM_TRACKING_SYNCHRONOUS_COMMIT`` is True.
- After a successful write, ``signals.events_recorded`` is sent with the saved events.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import connections, router, transaction
from django.http import HttpRequest

from ecrm_oscar import conf
from ecrm_oscar.tracking import event_types, gate, sanitize
from ecrm_oscar.tracking.abstract_models import Channel
from ecrm_oscar.tracking.models import Event
from ecrm_oscar.tracking.signals import events_recorded

logger = logging.getLogger("ecrm.tracking")

#: Events collected for the current request or ``batch()`` block (None: write at once).
_pending: ContextVar[list[Event] | None] = ContextVar("ecrm_tracking_pending", default=None)

_MAX_VALUE = Decimal("9999999999.99")
_CHANNELS = frozenset(Channel.values)


class UnknownEventType(ValueError):
    """``record()`` was given a type nobody registered (see ``event_types.register``)."""


def _clean_value(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or abs(number) > _MAX_VALUE:
        return None
    return number


def _pk(obj: Any) -> Any:
    """A model instance's pk, or the value itself when given as an id."""
    if obj is None or isinstance(obj, bool):
        return None
    return getattr(obj, "pk", obj)


def record(
    type: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    visitor_id: str = "",
    product: Any = None,
    category: Any = None,
    order: Any = None,
    query: str = "",
    value: Decimal | int | float | None = None,
    payload: dict[str, Any] | None = None,
    channel: str = Channel.WEB,
    created_at: datetime | None = None,
    immediate: bool = False,
) -> Event | None:
    """Record one event, or nothing (returns ``None``) when it must not be recorded.

    ``request`` supplies visitor, session and user, and subjects the event to the
    request's consent, Do-Not-Track and bot rules; without one only
    ``ECRM_TRACKING_MODE = "off"`` stops it (events about an order, an e-mail or a
    support case are not a browser's). ``user``, ``product``, ``category`` and ``order``
    take instances or ids. Strings are cleaned and truncated and ``payload`` is stripped
    of anything that looks like personal data (:mod:`ecrm_oscar.tracking.sanitize`).
    """
    if gate.mode() == "off":
        return None
    if event_types.get(type) is None:
        raise UnknownEventType(f"{type!r} is not a registered event type")
    if channel not in _CHANNELS:
        raise ValueError(f"{channel!r} is not a tracking channel")
    session_key = ""
    if request is not None:
        if not gate.should_track(request):
            return None
        request_user = getattr(request, "user", None)
        if user is None and request_user is not None and request_user.is_authenticated:
            user = request_user
        visitor_id = visitor_id or getattr(request, "ecrm_visitor_id", "") or ""
        session = getattr(request, "session", None)
        session_key = (getattr(session, "session_key", None) or "") if session else ""
    event = Event(
        type=type,
        channel=channel,
        visitor_id=sanitize.clean_text(visitor_id, 36),
        session_key=session_key[:40],
        user_id=_pk(user),
        product_id=_pk(product),
        category_id=_pk(category),
        order_id=_pk(order),
        query=sanitize.clean_query(query, 200),
        value=_clean_value(value),
        payload=sanitize.clean_payload(payload, conf.get("ECRM_TRACKING_PAYLOAD_MAX_BYTES")),
    )
    if created_at is not None:
        event.created_at = created_at
    pending = _pending.get()
    if pending is not None and not immediate:
        pending.append(event)
        return event
    written = write([event])
    return written[0] if written else None


BATCH = 500


@functools.lru_cache(maxsize=64)
def _insert_statement(alias: str, count: int, async_commit: bool) -> tuple[str, tuple]:
    """``INSERT ... VALUES (...), ... RETURNING id`` for ``count`` events, and its fields.

    ``async_commit`` (PostgreSQL, a statement that is its own transaction) also returns
    ``set_config('synchronous_commit', 'off', true)``: the setting lasts until the end
    of that transaction, and "the behavior for any one transaction is determined by the
    setting in effect when it commits" (PostgreSQL's manual), so the commit does not
    wait for the WAL flush, without a round trip of its own.
    """
    connection = connections[alias]
    meta = Event._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = quote(meta.pk.column)
    if async_commit:
        returning += ", set_config('synchronous_commit', 'off', true)"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * count)} RETURNING {returning}"
    )
    return sql, fields


def _fast_insert(connection, events: list[Event], async_commit: bool = False) -> None:
    """Insert with one prepared statement per batch, without the ORM's compiler.

    Values go through each field's own ``get_db_prep_save`` (as ``bulk_create`` does),
    so dates, decimals and JSON are adapted exactly as Django would; the ids come back
    with ``RETURNING``. The compiler is most of the cost of a single event saved, and
    behaviour capture writes a lot of single events.
    """
    for start in range(0, len(events), BATCH):
        chunk = events[start : start + BATCH]
        sql, fields = _insert_statement(connection.alias, len(chunk), async_commit)
        params = [
            field.get_db_prep_save(getattr(event, field.attname), connection)
            for event in chunk
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        for event, pk in zip(chunk, ids, strict=True):
            event.pk = pk
            event._state.adding = False
            event._state.db = connection.alias


def _insert(events: list[Event], alias: str) -> list[Event]:
    connection = connections[alias]
    fast = connection.vendor in ("sqlite", "postgresql") and (
        connection.features.can_return_rows_from_bulk_insert
    )
    if not fast:
        return Event.objects.using(alias).bulk_create(events, batch_size=BATCH)
    asynchronous = connection.vendor == "postgresql" and not conf.get(
        "ECRM_TRACKING_SYNCHRONOUS_COMMIT"
    )
    if connection.in_atomic_block:
        # The caller's transaction: a savepoint, so a failed insert cannot abort it, and
        # never an asynchronous commit (it would apply to the caller's commit too).
        with transaction.atomic(using=alias):
            _fast_insert(connection, events)
    elif len(events) <= BATCH:
        # One statement in autocommit: its own transaction, atomic by itself.
        _fast_insert(connection, events, async_commit=asynchronous)
    else:
        with transaction.atomic(using=alias):
            if asynchronous:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            _fast_insert(connection, events)
    return events


def write(events: Sequence[Event]) -> list[Event]:
    """Insert ``events`` now (one statement per 500), never raising into the caller.

    Returns the events written. If the batch fails (say one refers to an order that was
    rolled back), each event is tried alone so one bad row loses nothing else.
    """
    events = [event for event in events if event.pk is None]
    if not events:
        return []
    alias = router.db_for_write(Event)
    try:
        written = _insert(events, alias)
    except Exception:
        if not conf.get("ECRM_SAFE_RECEIVERS"):
            raise
        if len(events) == 1:
            logger.exception("django-ecrm could not record a %s event", events[0].type)
            return []
        logger.warning("django-ecrm: writing %d events failed; trying one by one", len(events))
        written = []
        for event in events:
            event.pk = None  # SQLite checks foreign keys at commit, after ids were set
            event._state.adding = True
            written.extend(write([event]))
        return written
    # send_robust: a failing receiver is logged (django.dispatch), never raised.
    events_recorded.send_robust(sender=Event, events=written)
    return written


def flush(events: list[Event], request: HttpRequest | None = None) -> list[Event]:
    """Write events collected during ``request``.

    Events the visitor recorded anonymously before logging in within this same request
    are given the account, as ``services.merge_visitor`` does for earlier ones.
    """
    if not events:
        return []
    user = getattr(request, "user", None) if request is not None else None
    visitor_id = getattr(request, "ecrm_visitor_id", "") if request is not None else ""
    try:
        if visitor_id and user is not None and user.is_authenticated:
            for event in events:
                if event.user_id is None and event.visitor_id == visitor_id:
                    event.user_id = user.pk
    except Exception:  # a broken user object must not cost the events
        logger.exception("django-ecrm could not attach the user to collected events")
    return write(events)


def pending() -> list[Event] | None:
    """The events collected so far in this request or ``batch()`` (None outside)."""
    return _pending.get()


@contextmanager
def batch() -> Iterator[list[Event]]:
    """Collect every ``record()`` inside the block and write them together at its end.

    For code outside a request that records many events (imports, back-fills)::

        with capture.batch():
            for order in orders:
                capture.record("order_placed", order=order, user=order.user_id, ...)
    """
    events: list[Event] = []
    token = _pending.set(events)
    try:
        yield events
    finally:
        _pending.reset(token)
        write(events)


@contextmanager
def collecting() -> Iterator[list[Event]]:
    """Collect the events recorded inside the block, without writing them (the caller
    does, with :func:`flush_safely`); used by ``VisitorMiddleware``."""
    events: list[Event] = []
    token = _pending.set(events)
    try:
        yield events
    finally:
        _pending.reset(token)


def flush_safely(events: list[Event], request: HttpRequest | None = None) -> None:
    """:func:`flush`, logging instead of raising (``ECRM_SAFE_RECEIVERS``)."""
    try:
        flush(events, request)
    except Exception:
        if not conf.get("ECRM_SAFE_RECEIVERS"):
            raise
        logger.exception("django-ecrm could not write the request's events")
