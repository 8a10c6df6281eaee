"""Marketing automation logic: triggers create messages, the send task delivers them.

Two halves, both plain functions:

- **Triggers** (receivers and Celery beat scans) create :class:`Message` rows, one per
  (step, shopper, trigger): the unique ``key`` makes every trigger idempotent. Scans walk
  their candidates in keyset batches with a constant number of queries per batch.
- **Sending** (:func:`send_message`, task ``ecrm.automation.send``) claims a due message
  (queued → sending) in a transaction, checks everything that may have changed since the
  trigger (flow switch, consent, the basket still open, frequency cap, quiet hours),
  renders it completely, and only then sends it. A message is therefore sent at most once.

Every "may automation act at all" decision goes through :func:`automation_enabled`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import connections, router, transaction
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.automation.abstract_models import DELIVERED, FlowKind, MessageStatus
from ecrm_oscar.automation.models import Flow, FlowStep, Message
from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.privacy.purposes import get_purpose
from ecrm_oscar.privacy.services import (
    consent_expression,
    consented_user_ids,
    normalise_email,
)

logger = logging.getLogger("ecrm.automation")

PURPOSE = "marketing_email"


def automation_enabled() -> bool:
    """Whether automation may act at all: the one switch every scan and send consults.

    Both must allow it: the project's ``ECRM_AUTOMATION_ENABLED`` and the owner's
    "automation" switch in the eCRM dashboard (``ecrm_oscar.dashboard.switches``; always on
    when the console is not installed).
    """
    return bool(conf.get("ECRM_AUTOMATION_ENABLED")) and capability_on("automation")


def active_flow(kind: str) -> Flow | None:
    """The flow of ``kind`` if automation is on and the flow is switched on and unpaused."""
    if not automation_enabled():
        return None
    flow = Flow.objects.filter(kind=kind, enabled=True, paused_at__isnull=True).first()
    return flow


# -- creating messages ---------------------------------------------------------------------


def recipient_key(user_id: int | None, email: str) -> str:
    return f"u{user_id}" if user_id else f"e{normalise_email(email)}"


_HOLDOUT_MULTIPLIER = 2654435761  # Knuth's multiplicative hash: spreads consecutive ids
_HOLDOUT_FLOW_FACTOR = 40503
_HOLDOUT_MODULUS = 2**32


def in_holdout(flow: Flow, user_id: int | None, email: str) -> bool:
    """A stable, pseudo-random ``holdout_percent`` share of shoppers per flow.

    Account holders by a multiplicative hash of their id (the scans compute the same in
    SQL, see :func:`_holdout_sql`), guests by a hash of their address.
    """
    if not flow.holdout_percent:
        return False
    if user_id:
        mixed = user_id * _HOLDOUT_MULTIPLIER + flow.pk * _HOLDOUT_FLOW_FACTOR
        return (mixed % _HOLDOUT_MODULUS) % 100 < flow.holdout_percent
    digest = hashlib.sha256(f"{flow.pk}:{recipient_key(user_id, email)}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < flow.holdout_percent


@dataclass
class Candidate:
    """One shopper a trigger fired for."""

    user_id: int | None
    email: str
    trigger: str
    scheduled_at: datetime
    context: dict[str, Any] = field(default_factory=dict)


_INSERT_COLUMNS = (
    "key", "flow_id", "step_id", "user_id", "email", "trigger", "status", "holdout",
    "context", "subject", "voucher_code", "error", "order_number", "created_at",
    "scheduled_at",
)  # fmt: skip


def create_messages(flow: Flow, step: FlowStep, candidates: Iterable[Candidate]) -> int:
    """Insert one message per candidate unless it exists; returns how many were offered.

    One ``INSERT … ON CONFLICT DO NOTHING`` (SQLite ≥ 3.24, PostgreSQL) executed for all
    rows: the unique key drops the existing ones. Plain SQL because the ORM's
    ``bulk_create`` spends most of a large scan preparing field values in Python.
    """
    connection = connections[router.db_for_write(Message)]
    ops = connection.ops
    context_field = Message._meta.get_field("context")
    now = ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for candidate in candidates:
        email = normalise_email(candidate.email)
        holdout = in_holdout(flow, candidate.user_id, email)
        rows.append(
            (
                f"{step.pk}:{recipient_key(candidate.user_id, email)}:{candidate.trigger}"[:255],
                flow.pk,
                step.pk,
                candidate.user_id,
                email,
                candidate.trigger[:100],
                MessageStatus.HELD_OUT.value if holdout else MessageStatus.QUEUED.value,
                holdout,
                context_field.get_db_prep_save(candidate.context, connection),
                "",
                "",
                "",
                "",
                now,
                ops.adapt_datetimefield_value(candidate.scheduled_at),
            )
        )
    if rows:
        table = ops.quote_name(Message._meta.db_table)
        columns = ", ".join(ops.quote_name(column) for column in _INSERT_COLUMNS)
        placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({ops.quote_name('key')}) DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    return len(rows)


def trigger_series(flow: Flow, candidate: Candidate) -> int:
    """Create a message for every step of ``flow``, each ``delay_hours`` after the anchor."""
    created = 0
    for step in flow.steps.order_by("position"):
        scheduled = candidate.scheduled_at + timedelta(hours=step.delay_hours)
        created += create_messages(
            flow,
            step,
            [
                Candidate(
                    candidate.user_id,
                    candidate.email,
                    candidate.trigger,
                    scheduled,
                    candidate.context,
                )
            ],
        )
    return created


def trigger_welcome(user_id: int) -> int:
    """A registration: the welcome series for the new account."""
    flow = active_flow(FlowKind.WELCOME)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if flow is None or user is None or not user.email:
        return 0
    return trigger_series(flow, Candidate(user.pk, user.email, "registered", timezone.now()))


def trigger_survey(order_id: int) -> int:
    """An order reached the "delivered" status: the post-purchase survey."""
    flow = active_flow(FlowKind.POST_PURCHASE_SURVEY)
    Order = get_model("order", "Order")
    order = Order.objects.filter(pk=order_id).first()
    if flow is None or order is None or not order.email:
        return 0
    return trigger_series(
        flow,
        Candidate(
            order.user_id,
            order.email,
            f"order:{order.number}",
            timezone.now(),
            {"order_id": order.pk, "order_number": order.number},
        ),
    )


# -- scans (Celery beat) --------------------------------------------------------------------


def _batches(queryset, size: int):
    """Keyset pagination over ``pk`` (the first value of every row)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1][0]
        if len(rows) < size:
            return


def _holdout_sql(flow: Flow, user_column: str) -> str:
    """SQL of :func:`in_holdout` for a recipient known by account (same arithmetic;
    ``%%`` because the statement has parameters)."""
    if not flow.holdout_percent:
        return "(1 = 0)"
    return (
        f"((({user_column} * {_HOLDOUT_MULTIPLIER} + {int(flow.pk)} * {_HOLDOUT_FLOW_FACTOR})"
        f" %% {_HOLDOUT_MODULUS}) %% 100 < {int(flow.holdout_percent)})"
    )


def _basket_insert_sql(flow: Flow, step: FlowStep, baskets, now: datetime) -> tuple[str, list]:
    """The ``INSERT … SELECT … ON CONFLICT DO NOTHING`` creating the messages of the
    baskets in ``baskets`` (a queryset of open, consenting owners' baskets): key, trigger,
    hold-out and context are computed by the database, nothing row by row in Python."""
    connection = connections[router.db_for_write(Message)]
    ops = connection.ops
    rows = baskets.values(bid=F("pk"), uid=F("owner_id"), addr=F("owner__email"))
    select_sql, select_params = rows.query.sql_with_params()
    text = "TEXT" if connection.vendor == "sqlite" else "varchar"
    context = "'{\"basket_id\": ' || CAST(s.bid AS " + text + ") || '}'"
    if connection.vendor == "postgresql":
        context = f"CAST({context} AS jsonb)"
    holdout = _holdout_sql(flow, "s.uid")
    table = ops.quote_name(Message._meta.db_table)
    columns = ", ".join(ops.quote_name(column) for column in _INSERT_COLUMNS)
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT "
        f"%s || CAST(s.uid AS {text}) || ':basket:' || CAST(s.bid AS {text}), %s, %s, s.uid, "
        f"LOWER(TRIM(s.addr)), 'basket:' || CAST(s.bid AS {text}), "
        f"CASE WHEN {holdout} THEN %s ELSE %s END, {holdout}, {context}, "
        f"'', '', '', '', %s, %s FROM ({select_sql}) AS s WHERE 1 = 1 "
        f"ON CONFLICT ({ops.quote_name('key')}) DO NOTHING"
    )
    stamp = ops.adapt_datetimefield_value(now)
    # The select's parameters sit between the CASE's and the timestamps.
    params = [f"{step.pk}:u", flow.pk, step.pk, MessageStatus.HELD_OUT.value,
              MessageStatus.QUEUED.value, stamp, stamp, *select_params]  # fmt: skip
    return sql, params


def _insert_basket_messages(flow: Flow, step: FlowStep, baskets, now: datetime) -> int:
    """Execute :func:`_basket_insert_sql` for ``baskets``; returns the rows inserted."""
    sql, params = _basket_insert_sql(flow, step, baskets, now)
    with connections[router.db_for_write(Message)].cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


# Placeholder bounds no basket id can take: the range statement is compiled once with
# these and each range's bounds are put in their places.
_RANGE_FIRST = -1_000_000_007
_RANGE_END = -1_000_000_009


class _RangeInsert:
    """A step's ``INSERT … SELECT`` for one range of basket ids, compiled once and
    executed per range with that range's bounds.

    Compiling the ORM query anew for each of a scan's ranges cost more time than the
    database spent on the ranges where nothing was due (about a quarter of the whole
    scan on 100,000 baskets)."""

    def __init__(self, flow: Flow, step: FlowStep, range_queryset, now: datetime) -> None:
        """``range_queryset(span)`` builds the qualifying baskets of the ids in ``span``."""
        self.sql, self.params = _basket_insert_sql(
            flow, step, range_queryset((_RANGE_FIRST, _RANGE_END)), now
        )
        self.first_at = [i for i, value in enumerate(self.params) if value == _RANGE_FIRST]
        self.end_at = [i for i, value in enumerate(self.params) if value == _RANGE_END]
        if not self.first_at or not self.end_at:
            raise RuntimeError("the basket range is missing from the scan's statement")

    def execute(self, cursor, first: int, end: int) -> int:
        params = list(self.params)
        for index in self.first_at:
            params[index] = first
        for index in self.end_at:
            params[index] = end
        cursor.execute(self.sql, params)
        return max(cursor.rowcount, 0)


def scan_abandoned_baskets(now: datetime | None = None) -> int:
    """Open baskets of known, consenting shoppers with lines, untouched for each step's
    delay; returns how many messages were created.

    Per step and batch one ``INSERT … SELECT … ON CONFLICT (key) DO NOTHING`` of the
    messages of the batch's baskets that qualify (last line activity, the previous
    step's message present, consent: the owner's newest answer); baskets that have this
    step's message already are skipped by the conflict. On PostgreSQL a batch is a range
    of ``ECRM_AUTOMATION_SCAN_BATCH_SIZE`` basket ids (plus one query for the ids'
    range); on SQLite the next that many candidates without this step's message (plus
    one query finding them).
    """
    flow = active_flow(FlowKind.ABANDONED_BASKET)
    if flow is None:
        return 0

    now = now or timezone.now()
    Basket = get_model("basket", "Basket")
    Line = get_model("basket", "Line")
    size = conf.get("ECRM_AUTOMATION_SCAN_BATCH_SIZE")
    oldest = now - timedelta(days=conf.get("ECRM_AUTOMATION_BASKET_MAX_AGE_DAYS"))
    steps = list(flow.steps.order_by("position"))
    consented = consent_expression(PURPOSE, user_id="owner_id")
    guest_consented = consent_expression(PURPOSE, email="ecrm_guest_email__email")
    created = 0
    bounds = None
    postgres = connections[router.db_for_write(Message)].vendor == "postgresql"
    for index, step in enumerate(steps):
        cutoff = now - timedelta(hours=step.delay_hours)

        def idle_baskets(span=None, step=step, cutoff=cutoff, index=index):
            """Open baskets whose lines were last touched between ``oldest`` and ``cutoff``
            that got the previous step. Without ``span``, correlated EXISTS per basket (no
            GROUP BY: a keyset batch walks only as far as it needs); with a (first, end)
            range of basket ids, one aggregate over that range's lines, so a step that
            finds no basket idle long enough costs one index range scan."""
            idle = Basket.objects.filter(status=Basket.OPEN).annotate(
                trig=Concat(Value("basket:"), Cast("pk", CharField()))
            )
            if span is None:
                lines = Line.objects.filter(basket_id=OuterRef("pk"))
                idle = idle.filter(Exists(lines.filter(date_updated__gte=oldest))).filter(
                    ~Exists(lines.filter(date_updated__gt=cutoff))
                )
            else:
                first, end = span
                last_touched = (
                    Line.objects.filter(basket_id__gte=first, basket_id__lt=end)
                    .values("basket_id")
                    .annotate(last=Max("date_updated"))
                    .filter(last__gte=oldest, last__lte=cutoff)
                    .values("basket_id")
                )
                idle = idle.filter(pk__gte=first, pk__lt=end, pk__in=last_touched)
            if index:
                previous = Message.objects.filter(step=steps[index - 1], trigger=OuterRef("trig"))
                idle = idle.filter(Exists(previous.exclude(status=MessageStatus.CANCELLED)))
            return idle

        def owners_baskets(idle, step=step):
            """The idle baskets of active, consenting account holders (on SQLite only those
            without this step's message yet: the keyset batches walk candidates)."""
            baskets = (
                idle.filter(owner__isnull=False, owner__is_active=True)
                .exclude(owner__email="")
                .alias(consented=consented)
                .filter(consented=True)
            )
            if postgres:
                # No "no message yet" filter: the insert's ON CONFLICT (key) probes the
                # unique key once per row anyway and skips the existing ones.
                return baskets
            # SQLite probes the (step, trigger) index, the cheaper expression there
            existing = Message.objects.filter(step=step, trigger=OuterRef("trig"))
            return baskets.filter(~Exists(existing))

        idle = idle_baskets()
        if postgres:
            # Batches are ranges of basket ids: one INSERT … SELECT each, every condition
            # (the lines' aggregate too) limited to that range, so PostgreSQL evaluates
            # them for the range only (a keyset "next 2,000 candidates" query, or line
            # subqueries over the whole table, made it work far beyond the batch).
            if bounds is None:
                bounds = Basket.objects.filter(status=Basket.OPEN).aggregate(
                    low=Min("pk"), high=Max("pk")
                )
            if bounds["low"] is not None:
                statement = _RangeInsert(
                    flow,
                    step,
                    lambda span, owners_baskets=owners_baskets, idle_baskets=idle_baskets: (
                        owners_baskets(idle_baskets(span))
                    ),
                    now,
                )
                with connections[router.db_for_write(Message)].cursor() as cursor:
                    for start in range(bounds["low"], bounds["high"] + 1, size):
                        created += statement.execute(cursor, start, start + size)
        else:
            # SQLite walks the next batch of candidates (keyset), then inserts that range.
            baskets = owners_baskets(idle)
            for batch in _batches(baskets.values_list("pk"), size):
                chunk = baskets.filter(pk__gte=batch[0][0], pk__lte=batch[-1][0])
                created += _insert_basket_messages(flow, step, chunk, now)
        # Guests who gave their address (and their consent) at the checkout gateway.
        guests = (
            idle.filter(owner__isnull=True, ecrm_guest_email__isnull=False)
            .filter(~Exists(Message.objects.filter(step=step, trigger=OuterRef("trig"))))
            .alias(consented=guest_consented)
            .filter(consented=True)
            .values_list("pk", "ecrm_guest_email__email")
        )
        for batch in _batches(guests, size):
            created += create_messages(
                flow,
                step,
                [
                    Candidate(None, email, f"basket:{pk}", now, {"basket_id": pk})
                    for pk, email in batch
                ],
            )
    return created


def link_guest_basket(basket: Any, email: str, *, consent: bool = False) -> bool:
    """Remember the address a guest gave at the checkout gateway for their basket (so an
    abandoned basket can be reminded), and record their marketing consent ("checkout")
    when they gave it. Returns whether the basket was linked; bad input changes nothing."""
    from ecrm_oscar.automation.models import GuestBasket
    from ecrm_oscar.privacy.services import record_consent

    address = normalise_email(email)
    try:
        validate_email(address)
    except ValidationError:
        return False
    if consent:
        record_consent(PURPOSE, True, source="checkout", email=address)
    if basket is None or not getattr(basket, "pk", None) or basket.owner_id:
        return False
    GuestBasket.objects.update_or_create(basket_id=basket.pk, defaults={"email": address})
    return True


def scan_browse_abandonment(now: datetime | None = None) -> int:
    """Shoppers who viewed products several times in the window and neither added to
    their basket nor ordered since; the step's delay is the quiet time after the last view."""
    flow = active_flow(FlowKind.BROWSE_ABANDONMENT)
    if flow is None or not apps.is_installed("ecrm_oscar.tracking"):
        return 0
    from ecrm_oscar.tracking import event_types
    from ecrm_oscar.tracking.models import Event

    now = now or timezone.now()
    since = now - timedelta(hours=conf.get("ECRM_AUTOMATION_BROWSE_WINDOW_HOURS"))
    size = conf.get("ECRM_AUTOMATION_SCAN_BATCH_SIZE")
    offered = 0
    step = flow.steps.order_by("position").first()
    if step is None:
        return 0
    cutoff = now - timedelta(hours=step.delay_hours)
    acted = Event.objects.filter(
        type__in=[event_types.BASKET_ADDED, event_types.ORDER_PLACED],
        created_at__gte=since,
        user_id__isnull=False,
    ).values("user_id")
    viewers = (
        Event.objects.filter(
            type=event_types.PRODUCT_VIEWED,
            created_at__gte=since,
            user__isnull=False,
            user__is_active=True,
        )
        .exclude(user__email="")
        .exclude(user_id__in=acted)
        .values("user_id")
        .annotate(views=Count("id"), last_view=Max("created_at"))
        .filter(views__gte=conf.get("ECRM_AUTOMATION_BROWSE_MIN_VIEWS"), last_view__lte=cutoff)
        .values_list("user_id", "user__email", "last_view")
        .order_by("user_id")
    )
    last = 0
    while True:
        batch = list(viewers.filter(user_id__gt=last)[:size])
        if not batch:
            break
        last = batch[-1][0]
        allowed = consented_user_ids(PURPOSE, [user_id for user_id, _e, _v in batch])
        offered += create_messages(
            flow,
            step,
            (
                Candidate(
                    user_id,
                    email,
                    f"browse:{timezone.localdate(last_view):%Y-%m-%d}",
                    now,
                    {"since": since.isoformat(), "last_view": last_view.isoformat()},
                )
                for user_id, email, last_view in batch
                if user_id in allowed
            ),
        )
        if len(batch) < size:
            break
    return offered


def scan_birthdays(today=None) -> int:
    """Shoppers whose birthday (kept by the loyalty app) is today; 29 February birthdays
    are greeted on 28 February in other years."""
    flow = active_flow(FlowKind.BIRTHDAY)
    if flow is None or not apps.is_installed("ecrm_oscar.loyalty"):
        return 0
    from calendar import isleap

    LoyaltyAccount = apps.get_model("ecrm_loyalty", "LoyaltyAccount")
    today = today or timezone.localdate()
    days = [today.day]
    if today.month == 2 and today.day == 28 and not isleap(today.year):
        days.append(29)
    size = conf.get("ECRM_AUTOMATION_SCAN_BATCH_SIZE")
    step = flow.steps.order_by("position").first()
    if step is None:
        return 0
    rows = (
        LoyaltyAccount.objects.filter(
            birthday__month=today.month, birthday__day__in=days, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("pk", "user_id", "user__email")
    )
    now = timezone.now()
    offered = 0
    for batch in _batches(rows, size):
        allowed = consented_user_ids(PURPOSE, [user_id for _pk, user_id, _e in batch])
        offered += create_messages(
            flow,
            step,
            (
                Candidate(user_id, email, f"birthday:{today.year}", now)
                for _pk, user_id, email in batch
                if user_id in allowed
            ),
        )
    return offered


def scan_win_back(now: datetime | None = None) -> int:
    """Customers whose expected next purchase (customers app profile) is overdue: once per
    purchase cycle (the trigger is their last order's date)."""
    flow = active_flow(FlowKind.WIN_BACK)
    if flow is None or not apps.is_installed("ecrm_oscar.customers"):
        return 0
    CustomerProfile = apps.get_model("ecrm_customers", "CustomerProfile")
    now = now or timezone.now()
    size = conf.get("ECRM_AUTOMATION_SCAN_BATCH_SIZE")
    step = flow.steps.order_by("position").first()
    if step is None:
        return 0
    rows = (
        CustomerProfile.objects.filter(
            next_order_expected_at__lt=now - timedelta(hours=step.delay_hours),
            last_order_at__isnull=False,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("pk", "user_id", "user__email", "last_order_at")
    )
    offered = 0
    for batch in _batches(rows, size):
        allowed = consented_user_ids(PURPOSE, [row[1] for row in batch])
        offered += create_messages(
            flow,
            step,
            (
                Candidate(user_id, email, f"winback:{last:%Y-%m-%d}", now)
                for _pk, user_id, email, last in batch
                if user_id in allowed
            ),
        )
    return offered


# -- after an order --------------------------------------------------------------------------


def record_order(order_id: int) -> int:
    """An order: stop basket/browse reminders, mark the shopper's recent messages as
    followed by an order (for the lift) and attribute it to the last clicked one."""
    Order = get_model("order", "Order")
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return 0
    person = Q(pk__in=[])
    if order.user_id:
        person |= Q(user_id=order.user_id)
    if order.email:
        person |= Q(email=normalise_email(order.email))
    Message.objects.filter(
        person,
        status=MessageStatus.QUEUED,
        flow__kind__in=[FlowKind.ABANDONED_BASKET, FlowKind.BROWSE_ABANDONMENT],
    ).update(status=MessageStatus.CANCELLED, error="the shopper ordered")
    placed = order.date_placed
    window = timedelta(days=conf.get("ECRM_AUTOMATION_ATTRIBUTION_DAYS"))
    recent = Message.objects.filter(person, ordered_at__isnull=True).filter(
        Q(status__in=DELIVERED, sent_at__gte=placed - window, sent_at__lte=placed)
        | Q(
            status=MessageStatus.HELD_OUT,
            scheduled_at__gte=placed - window,
            scheduled_at__lte=placed,
        )
    )
    marked = recent.update(ordered_at=placed, order_number=order.number)
    last_click = (
        Message.objects.filter(
            person,
            converted_at__isnull=True,
            clicked_at__gte=placed - window,
            clicked_at__lte=placed,
        )
        .order_by("-clicked_at")
        .first()
    )
    if (
        last_click is not None
        and not Message.objects.filter(order_number=order.number)
        .filter(converted_at__isnull=False)
        .exists()
    ):
        Message.objects.filter(pk=last_click.pk).update(
            status=MessageStatus.CONVERTED,
            converted_at=placed,
            order_number=order.number,
            ordered_at=placed,
            revenue=order.total_incl_tax,
        )
    return marked


# -- sending ----------------------------------------------------------------------------------


class TemplateFailure(Exception):
    """The step's template could not be rendered completely: the flow pauses."""


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet hours if ``now`` is inside them (shop's time zone), else None."""
    hours = conf.get("ECRM_AUTOMATION_QUIET_HOURS")
    if not hours:
        return None
    start, end = hours
    local = timezone.localtime(now)
    hour = local.hour
    inside = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until


def pause_flow(flow: Flow, reason: str) -> None:
    """Stop a flow because its email cannot be rendered; the owner sees ``reason``."""
    Flow.objects.filter(pk=flow.pk).update(paused_at=timezone.now(), pause_reason=reason[:4000])
    logger.error("Automation flow %s paused: %s", flow.kind, reason)


def person_keys(user_id: int | None, email: str) -> list[str]:
    """Every identity of a recipient (account and address): the frequency cap and its
    lock hold across both, so a guest address and its account share one cap."""
    keys = [f"u{user_id}"] if user_id else []
    if email:
        keys.append(f"e{normalise_email(email)}")
    return keys


def _lock_recipients(connection, keys: Iterable[str]) -> None:
    """PostgreSQL: take a transaction-scoped advisory lock per recipient identity, in one
    global order (no deadlock between workers). Held until the claim commits, so a second
    worker checks the frequency cap only after the first one's claim is visible."""
    keys = sorted(set(keys))
    if connection.vendor != "postgresql" or not keys:
        return  # SQLite: one writer at a time already
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(h)) FROM "
            "(SELECT hashtextextended(k, 7) AS h FROM unnest(%s::text[]) AS k ORDER BY 1) AS s",
            [keys],
        )


def _latest_consents(messages: list[Message]) -> dict[str, tuple]:
    """Person key → (created_at, pk, granted) of their newest marketing-consent answer
    (by account or by address); one query for the batch."""
    from ecrm_oscar.privacy.models import ConsentRecord

    user_ids = {m.user_id for m in messages if m.user_id}
    emails = {m.address for m in messages if m.address}
    latest: dict[str, tuple] = {}
    records = ConsentRecord.objects.filter(
        Q(user_id__in=user_ids) | Q(email__in=emails), purpose=PURPOSE
    ).values_list("user_id", "email", "created_at", "pk", "granted")
    for user_id, email, created_at, pk, granted in records:
        for key in person_keys(user_id, email):
            if key not in latest or (created_at, pk) > latest[key][:2]:
                latest[key] = (created_at, pk, granted)
    return latest


def _last_marketing_sends(messages: list[Message], now: datetime) -> dict[str, datetime]:
    """Person key → their latest marketing email within the cap, sent or being sent by
    another worker (claimed); one query for the batch."""
    hours = conf.get("ECRM_AUTOMATION_FREQUENCY_CAP_HOURS")
    if not hours:
        return {}
    since = now - timedelta(hours=hours)
    user_ids = {m.user_id for m in messages if m.user_id}
    emails = {m.address for m in messages if m.address}
    rows = (
        Message.objects.filter(Q(user_id__in=user_ids) | Q(email__in=emails))
        .filter(Q(sent_at__gt=since) | Q(status=MessageStatus.SENDING, claimed_at__gt=since))
        .exclude(pk__in=[m.pk for m in messages])
        .values_list("user_id", "email", "sent_at", "claimed_at")
    )
    last: dict[str, datetime] = {}
    for user_id, email, sent_at, claimed_at in rows:
        when = sent_at or claimed_at
        for key in person_keys(user_id, email):
            if key not in last or when > last[key]:
                last[key] = when
    return last


def _irrelevant(messages: list[Message]) -> dict[int, str]:
    """Message pk → why its trigger no longer holds; a constant number of queries per
    flow kind in the batch. Abandoned-basket messages get their lines (for the email)."""
    reasons: dict[int, str] = {}
    by_kind: dict[str, list[Message]] = {}
    for message in messages:
        by_kind.setdefault(message.flow.kind, []).append(message)
    baskets = by_kind.get(FlowKind.ABANDONED_BASKET, [])
    if baskets:
        Basket = get_model("basket", "Basket")
        Line = get_model("basket", "Line")
        ids = {m.context.get("basket_id") for m in baskets}
        open_ids = set(
            Basket.objects.filter(pk__in=ids, status=Basket.OPEN).values_list("pk", flat=True)
        )
        lines: dict[int, list] = {}
        for line in (
            Line.objects.filter(basket_id__in=open_ids)
            .select_related("product", "product__parent")
            .prefetch_related("product__images", "product__parent__images")
            .order_by("pk")
        ):
            lines.setdefault(line.basket_id, []).append(line)
        for message in baskets:
            basket_id = message.context.get("basket_id")
            message.basket_lines = lines.get(basket_id, [])
            if basket_id not in open_ids:
                reasons[message.pk] = "the basket was ordered or is gone"
            elif not message.basket_lines:
                reasons[message.pk] = "the basket is empty (its products may have been deleted)"
    browsers = [
        m
        for m in by_kind.get(FlowKind.BROWSE_ABANDONMENT, [])
        if m.user_id and m.context.get("last_view")
    ]
    if browsers and apps.is_installed("ecrm_oscar.tracking"):
        from ecrm_oscar.tracking import event_types
        from ecrm_oscar.tracking.models import Event

        views = {m.pk: datetime.fromisoformat(m.context["last_view"]) for m in browsers}
        acted = (
            Event.objects.filter(
                user_id__in={m.user_id for m in browsers},
                type__in=[event_types.BASKET_ADDED, event_types.ORDER_PLACED],
                created_at__gte=min(views.values()),
            )
            .values("user_id")
            .annotate(last=Max("created_at"))
        )
        last_acted = {row["user_id"]: row["last"] for row in acted}
        for message in browsers:
            if message.user_id in last_acted and last_acted[message.user_id] >= views[message.pk]:
                reasons[message.pk] = "the shopper added to the basket or ordered"
    lapsed = [m for m in by_kind.get(FlowKind.WIN_BACK, []) if m.user_id]
    if lapsed:
        Order = get_model("order", "Order")
        last_orders = dict(
            Order.objects.filter(user_id__in={m.user_id for m in lapsed})
            .values("user_id")
            .annotate(last=Max("date_placed"))
            .values_list("user_id", "last")
        )
        for message in lapsed:
            last = last_orders.get(message.user_id)
            if last is not None and last >= message.created_at:
                reasons[message.pk] = "the shopper ordered again"
    return reasons


@dataclass
class _Outgoing:
    message: Message
    email: EmailMultiAlternatives


def send_batch(message_ids: Iterable[int], now: datetime | None = None) -> dict[int, str]:
    """Send the due messages among ``message_ids``, each at most once; returns what
    happened to each id (for logs and tests).

    One transaction claims the batch: the queued, due rows are locked (``FOR UPDATE SKIP
    LOCKED`` on PostgreSQL: a second worker skips them), every recipient's advisory lock
    is taken, and consent, the trigger, the frequency cap (including emails other workers
    have claimed) and quiet hours are checked for the whole batch in a constant number of
    queries. Each email is rendered completely; the rows then move queued → sending and
    the transaction commits. Only then do the emails go out, through one connection to
    the mail server, and the rows become sent (or failed). A retry, a redelivered task or
    a second worker finds the rows no longer queued and sends nothing; a worker that dies
    after the commit leaves them "sending", marked failed later, never sent twice.
    """
    from ecrm_oscar.automation import content

    ids = list(dict.fromkeys(message_ids))
    if not automation_enabled():
        return dict.fromkeys(ids, "disabled")
    now = now or timezone.now()
    results = dict.fromkeys(ids, "not queued")
    connection = connections[router.db_for_write(Message)]
    outgoing: list[_Outgoing] = []
    with transaction.atomic(using=connection.alias):
        features = connection.features
        skip = {"skip_locked": True} if features.has_select_for_update_skip_locked else {}
        messages = list(
            Message.objects.select_for_update(of=("self",), **skip)
            .select_related("flow", "step", "user")
            .filter(pk__in=ids, status=MessageStatus.QUEUED)
            .order_by("scheduled_at", "pk")
        )
        finished: dict[tuple[str, str], list[int]] = {}

        def finish(message: Message, status: str, error: str = "") -> None:
            finished.setdefault((status, error[:2000]), []).append(message.pk)
            results[message.pk] = status

        candidates = []
        for message in messages:
            flow = message.flow
            message.address = message.email or (message.user.email if message.user else "")
            if message.scheduled_at > now:
                results[message.pk] = "not due"
            elif not flow.enabled:
                finish(message, MessageStatus.CANCELLED, "the flow is switched off")
            elif flow.paused_at is not None:
                results[message.pk] = "paused"
            elif message.step is None:
                finish(message, MessageStatus.CANCELLED, "the step was deleted")
            else:
                try:
                    validate_email(message.address)
                except ValidationError:
                    finish(
                        message,
                        MessageStatus.FAILED,
                        f"invalid email address {message.address!r}",
                    )
                    continue
                if message.user is not None and not message.user.is_active:
                    finish(message, MessageStatus.CANCELLED, "the account is inactive")
                else:
                    candidates.append(message)
        if candidates:
            _lock_recipients(
                connection,
                [k for m in candidates for k in person_keys(m.user_id, m.address)],
            )
            consents = _latest_consents(candidates)
            default = get_purpose(PURPOSE).default
            reasons = _irrelevant(candidates)
            content.prefetch_recommendations([m for m in candidates if m.pk not in reasons])
            last_sent = _last_marketing_sends(candidates, now)
            cap = timedelta(hours=conf.get("ECRM_AUTOMATION_FREQUENCY_CAP_HOURS") or 0)
            quiet = quiet_until(now)
            postponed: dict[datetime, list[int]] = {}
            claimed: list[Message] = []
            event_types: dict[str, Any] = {}
            paused: set[int] = set()
            for message in candidates:
                keys = person_keys(message.user_id, message.address)
                answers = [consents[k] for k in keys if k in consents]
                if not (max(answers)[2] if answers else default):
                    finish(message, MessageStatus.CANCELLED, "no marketing consent")
                    continue
                if message.pk in reasons:
                    finish(message, MessageStatus.CANCELLED, reasons[message.pk])
                    continue
                if message.flow_id in paused:
                    results[message.pk] = "paused"
                    continue
                recent = [last_sent[k] for k in keys if k in last_sent]
                later = (max(recent) + cap if recent and cap else None) or quiet
                if later is not None:
                    postponed.setdefault(later, []).append(message.pk)
                    results[message.pk] = "postponed"
                    continue
                try:
                    rendered = content.render(message, message.address, event_types)
                except TemplateFailure as exc:
                    pause_flow(message.flow, str(exc))
                    paused.add(message.flow_id)
                    results[message.pk] = "paused"
                    continue
                message.status = MessageStatus.SENDING
                message.claimed_at = now
                message.subject = rendered.subject[:255]
                message.voucher_code = rendered.voucher_code
                claimed.append(message)
                for key in keys:  # the next message to this person in the batch waits
                    last_sent[key] = now
                email = EmailMultiAlternatives(
                    rendered.subject, rendered.body, to=[message.address], headers=rendered.headers
                )
                if rendered.html:
                    email.attach_alternative(rendered.html, "text/html")
                outgoing.append(_Outgoing(message, email))
            for later, pks in postponed.items():
                Message.objects.filter(pk__in=pks).update(scheduled_at=later)
            if claimed:
                Message.objects.bulk_update(
                    claimed, ["status", "claimed_at", "subject", "voucher_code"]
                )
        for (status, error), pks in finished.items():
            Message.objects.filter(pk__in=pks).update(status=status, error=error)
    if outgoing:
        _deliver(outgoing, results)
    return results


def _deliver(outgoing: list[_Outgoing], results: dict[int, str]) -> None:
    """Send the claimed emails through one connection; mark them sent or failed."""
    sent: list[int] = []
    failed: dict[str, list[int]] = {}
    try:
        with get_connection() as mail_connection:
            for item in outgoing:
                try:
                    mail_connection.send_messages([item.email])
                except Exception as exc:
                    logger.exception("Automation message %s could not be sent", item.message.pk)
                    failed.setdefault(f"{type(exc).__name__}: {exc}"[:2000], []).append(
                        item.message.pk
                    )
                else:
                    sent.append(item.message.pk)
    except Exception as exc:  # the connection could not be opened or closed
        logger.exception("Automation could not reach the mail server")
        done = set(sent) | {pk for pks in failed.values() for pk in pks}
        rest = [item.message.pk for item in outgoing if item.message.pk not in done]
        if rest:
            failed.setdefault(f"{type(exc).__name__}: {exc}"[:2000], []).extend(rest)
    if sent:
        Message.objects.filter(pk__in=sent, status=MessageStatus.SENDING).update(
            status=MessageStatus.SENT, sent_at=timezone.now()
        )
        results.update(dict.fromkeys(sent, "sent"))
    for error, pks in failed.items():
        Message.objects.filter(pk__in=pks, status=MessageStatus.SENDING).update(
            status=MessageStatus.FAILED, error=error
        )
        results.update(dict.fromkeys(pks, MessageStatus.FAILED.value))


def send_message(message_id: int, now: datetime | None = None) -> str:
    """Send one due message at most once (a batch of one; see :func:`send_batch`)."""
    return send_batch([message_id], now)[message_id]


def due_message_ids(
    now: datetime | None = None,
    limit: int = 5000,
    after: int = 0,
    kinds: Iterable[str] | None = None,
) -> list[int]:
    """Queued messages whose time has come, of flows that are on and unpaused (of the
    flow ``kinds`` when given), in id order from ``after`` (keyset pages of ``limit``)."""
    now = now or timezone.now()
    due = Message.objects.filter(
        status=MessageStatus.QUEUED,
        scheduled_at__lte=now,
        flow__enabled=True,
        flow__paused_at__isnull=True,
        pk__gt=after,
    )
    if kinds is not None:
        due = due.filter(flow__kind__in=list(kinds))
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])


def release_stale(now: datetime | None = None) -> int:
    """Messages claimed but never finished (a worker died mid-send) become failed: the
    email may or may not have left, so it is never sent again."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=conf.get("ECRM_AUTOMATION_STALE_SENDING_MINUTES"))
    return Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=stale).update(
        status=MessageStatus.FAILED, error="interrupted while sending (not retried)"
    )


# -- engagement -------------------------------------------------------------------------------


def mark_opened(message_id: int) -> bool:
    now = timezone.now()
    updated = Message.objects.filter(
        pk=message_id, opened_at__isnull=True, sent_at__isnull=False
    ).update(opened_at=now)
    Message.objects.filter(pk=message_id, status=MessageStatus.SENT).update(
        status=MessageStatus.OPENED
    )
    return bool(updated)


def mark_clicked(message_id: int) -> bool:
    now = timezone.now()
    Message.objects.filter(pk=message_id, sent_at__isnull=False, opened_at__isnull=True).update(
        opened_at=now
    )
    updated = Message.objects.filter(
        pk=message_id, clicked_at__isnull=True, sent_at__isnull=False
    ).update(clicked_at=now)
    Message.objects.filter(
        pk=message_id, status__in=[MessageStatus.SENT, MessageStatus.OPENED]
    ).update(status=MessageStatus.CLICKED)
    return bool(updated)
