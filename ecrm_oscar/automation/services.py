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
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import connections, router, transaction
from django.db.models import CharField, Count, Exists, Max, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.automation.abstract_models import DELIVERED, FlowKind, MessageStatus
from ecrm_oscar.automation.models import Flow, FlowStep, Message
from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.privacy.services import consented_user_ids, has_consent, normalise_email

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


def in_holdout(flow: Flow, user_id: int | None, email: str) -> bool:
    """A stable, pseudo-random ``holdout_percent`` share of shoppers per flow."""
    if not flow.holdout_percent:
        return False
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


def scan_abandoned_baskets(now: datetime | None = None) -> int:
    """Open baskets of known shoppers with lines, untouched for each step's delay.

    Per step and batch: one query for the baskets (last line activity, no message of this
    step yet, the previous step's message present), one for consent, one INSERT.
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
    offered = 0
    for index, step in enumerate(steps):
        cutoff = now - timedelta(hours=step.delay_hours)
        # No GROUP BY: correlated EXISTS per basket, so each keyset batch walks the basket
        # primary key only as far as it needs to (constant work per batch).
        lines = Line.objects.filter(basket_id=OuterRef("pk"))
        baskets = (
            Basket.objects.filter(status=Basket.OPEN, owner__isnull=False, owner__is_active=True)
            .exclude(owner__email="")
            .annotate(trig=Concat(Value("basket:"), Cast("pk", CharField())))
            .filter(Exists(lines.filter(date_updated__gte=oldest)))
            .filter(~Exists(lines.filter(date_updated__gt=cutoff)))
            .filter(~Exists(Message.objects.filter(step=step, trigger=OuterRef("trig"))))
        )
        if index:
            previous = Message.objects.filter(step=steps[index - 1], trigger=OuterRef("trig"))
            baskets = baskets.filter(Exists(previous.exclude(status=MessageStatus.CANCELLED)))
        rows = baskets.values_list("pk", "owner_id", "owner__email")
        for batch in _batches(rows, size):
            allowed = consented_user_ids(PURPOSE, [owner for _pk, owner, _email in batch])
            offered += create_messages(
                flow,
                step,
                (
                    Candidate(owner, email, f"basket:{pk}", now, {"basket_id": pk})
                    for pk, owner, email in batch
                    if owner in allowed
                ),
            )
    return offered


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


def capped_until(message: Message, now: datetime) -> datetime | None:
    """When the frequency cap lets the next marketing email reach this shopper, if later."""
    hours = conf.get("ECRM_AUTOMATION_FREQUENCY_CAP_HOURS")
    if not hours:
        return None
    cap = timedelta(hours=hours)
    person = Q(email=message.email) if message.email else Q(pk__in=[])
    if message.user_id:
        person |= Q(user_id=message.user_id)
    last = (
        Message.objects.filter(person, sent_at__gt=now - cap)
        .exclude(pk=message.pk)
        .aggregate(last=Max("sent_at"))["last"]
    )
    return last + cap if last else None


def still_relevant(message: Message) -> str:
    """Empty when the trigger still holds, else why the message is no longer wanted."""
    kind = message.flow.kind
    if kind == FlowKind.ABANDONED_BASKET:
        Basket = get_model("basket", "Basket")
        Line = get_model("basket", "Line")
        # One query answers both questions, and the lines are kept for the email.
        lines = list(
            Line.objects.filter(basket_id=message.context.get("basket_id"))
            .select_related("basket", "product", "product__parent")
            .prefetch_related("product__images")
            .order_by("pk")
        )
        message.basket_lines = lines
        if lines and lines[0].basket.status != Basket.OPEN:
            return "the basket was ordered or is gone"
        if not lines:
            if not Basket.objects.filter(
                pk=message.context.get("basket_id"), status=Basket.OPEN
            ).exists():
                return "the basket was ordered or is gone"
            return "the basket is empty (its products may have been deleted)"
    elif kind == FlowKind.BROWSE_ABANDONMENT and apps.is_installed("ecrm_oscar.tracking"):
        from ecrm_oscar.tracking import event_types
        from ecrm_oscar.tracking.models import Event

        last_view = message.context.get("last_view")
        if (
            message.user_id
            and last_view
            and Event.objects.filter(
                user_id=message.user_id,
                type__in=[event_types.BASKET_ADDED, event_types.ORDER_PLACED],
                created_at__gte=datetime.fromisoformat(last_view),
            ).exists()
        ):
            return "the shopper added to the basket or ordered"
    elif kind == FlowKind.WIN_BACK:
        Order = get_model("order", "Order")
        if (
            message.user_id
            and Order.objects.filter(
                user_id=message.user_id, date_placed__gte=message.created_at
            ).exists()
        ):
            return "the shopper ordered again"
    return ""


def _finish(message: Message, status: str, error: str = "") -> str:
    Message.objects.filter(pk=message.pk).update(status=status, error=error[:2000])
    return status


def pause_flow(flow: Flow, reason: str) -> None:
    """Stop a flow because its email cannot be rendered; the owner sees ``reason``."""
    Flow.objects.filter(pk=flow.pk).update(paused_at=timezone.now(), pause_reason=reason[:4000])
    logger.error("Automation flow %s paused: %s", flow.kind, reason)


def send_message(message_id: int, now: datetime | None = None) -> str:
    """Send one due message at most once; returns what happened (for logs and tests).

    The row is locked and moved queued → sending in one transaction, with every check and
    the complete rendering done inside it; the email goes out after the commit. A retry,
    a second worker or a re-enqueue finds the row no longer queued and does nothing. A
    worker that dies between the commit and the send leaves it "sending": it is marked
    failed later, never sent twice.
    """
    from ecrm_oscar.automation import content

    if not automation_enabled():
        return "disabled"
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("flow", "step", "user")
            .filter(pk=message_id, status=MessageStatus.QUEUED)
            .first()
        )
        if message is None:
            return "not queued"
        if message.scheduled_at > now:
            return "not due"
        flow = message.flow
        if not flow.enabled:
            return _finish(message, MessageStatus.CANCELLED, "the flow is switched off")
        if flow.paused_at is not None:
            return "paused"
        if message.step is None:
            return _finish(message, MessageStatus.CANCELLED, "the step was deleted")
        address = message.email or (message.user.email if message.user else "")
        try:
            validate_email(address)
        except ValidationError:
            return _finish(message, MessageStatus.FAILED, f"invalid email address {address!r}")
        if message.user is not None and not message.user.is_active:
            return _finish(message, MessageStatus.CANCELLED, "the account is inactive")
        if not has_consent(PURPOSE, user=message.user, email=address):
            return _finish(message, MessageStatus.CANCELLED, "no marketing consent")
        reason = still_relevant(message)
        if reason:
            return _finish(message, MessageStatus.CANCELLED, reason)
        later = capped_until(message, now) or quiet_until(now)
        if later is not None:
            Message.objects.filter(pk=message.pk).update(scheduled_at=later)
            return "postponed"
        try:
            with transaction.atomic():
                rendered = content.render(message, address)
        except TemplateFailure as exc:
            pause_flow(flow, str(exc))
            return "paused"
        message.status = MessageStatus.SENDING
        message.claimed_at = now
        message.subject = rendered.subject[:255]
        message.voucher_code = rendered.voucher_code
        message.save(update_fields=["status", "claimed_at", "subject", "voucher_code"])
    email = EmailMultiAlternatives(
        rendered.subject,
        rendered.body,
        to=[address],
        headers=rendered.headers,
    )
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    try:
        email.send()
    except Exception as exc:
        logger.exception("Automation message %s could not be sent", message.pk)
        return _finish(message, MessageStatus.FAILED, f"{type(exc).__name__}: {exc}")
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, sent_at=timezone.now()
    )
    return "sent"


def due_message_ids(now: datetime | None = None, limit: int = 5000) -> list[int]:
    """Queued messages whose time has come, of flows that are on and unpaused."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(
            status=MessageStatus.QUEUED,
            scheduled_at__lte=now,
            flow__enabled=True,
            flow__paused_at__isnull=True,
        )
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


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
