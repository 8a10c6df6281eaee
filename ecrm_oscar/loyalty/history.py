"""Award points for order history that predates the programme (a shop joining with years
of orders, or the demo's imported data). ``manage.py ecrm_loyalty_backfill`` runs it.

Every order goes through the same earning arithmetic (``rules.order_earning``) and the
same facade call as a live order (``facade.award``, key ``order:<pk>:award``), so a
backfill and the live receivers can never award an order twice, and a second backfill
awards nothing. What differs is only how the data is read and written, for speed: orders
and lines read as plain values in chronological batches, tiers followed in memory (each
order earns at the multiplier of the tier its customer had when it was placed), and one
``facade.award_batch`` call per 50 customers (one lock query, one insert). Orders
already at the confirmation status are confirmed at once; the others stay pending for the
live rules to confirm. No emails, no bonuses: this is history.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from ecrm_oscar.loyalty import facade, segment_rules, services
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount, ProgramSettings
from ecrm_oscar.loyalty.rules import order_earning

BATCH = 2000  # orders read at a time
CUSTOMERS_PER_TRANSACTION = 50  # one facade.award_batch call: one lock query, one insert


@dataclass
class BackfillReport:
    orders: int = 0  # orders awarded by this run
    points: int = 0
    skipped: int = 0  # already awarded, guest orders, or nothing to earn
    customers: int = 0
    award_seconds: float = 0.0
    tier_seconds: float = 0.0
    as_of: datetime | None = None
    tiers: Counter = field(default_factory=Counter)

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.award_seconds if self.award_seconds else 0.0


class _Rolling:
    """One customer's spend (or points) over the rolling tier window, in time order."""

    def __init__(self, window: timedelta):
        self.window = window
        self.items: deque[tuple[datetime, Decimal]] = deque()
        self.total = Decimal("0")

    def value_before(self, moment: datetime) -> Decimal:
        while self.items and self.items[0][0] <= moment - self.window:
            self.total -= self.items.popleft()[1]
        return self.total

    def add(self, moment: datetime, amount: Decimal) -> None:
        self.items.append((moment, amount))
        self.total += amount


def latest_order_date():
    Order = get_model("order", "Order")
    return Order.objects.aggregate(latest=Max("date_placed"))["latest"]


def _multiplier(value: Decimal, thresholds: list[Decimal], tiers: list) -> Decimal:
    index = bisect_right(thresholds, value)
    return tiers[index - 1].multiplier if index else Decimal("1")


class _Order(NamedTuple):
    pk: int
    number: str
    shipping_incl_tax: Decimal
    shipping_excl_tax: Decimal


class _Line(NamedTuple):
    pk: int
    line_price_incl_tax: Decimal
    line_price_excl_tax: Decimal
    line_price_before_discounts_incl_tax: Decimal
    line_price_before_discounts_excl_tax: Decimal


def _lines_by_order(order_ids: list[int]) -> dict[int, list[_Line]]:
    Line = get_model("order", "Line")
    found: dict[int, list[_Line]] = defaultdict(list)
    rows = (
        Line.objects.filter(order_id__in=order_ids)
        .order_by("pk")
        .values_list("order_id", *_Line._fields)
    )
    for order_id, *values in rows:
        found[order_id].append(_Line(*values))
    return found


def backfill(
    orders=None,
    *,
    as_of: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> BackfillReport:
    """Award every customer order of ``orders`` (default: all) not awarded yet, then put
    each customer in the tier their rolling value reaches at ``as_of`` (default: now).

    Two passes: the earnings of all orders, in time order (so each order earns at the
    multiplier of its customer's tier at the time); then the writes, one
    ``facade.award_batch`` per 50 customers (one lock query, one replay check, one insert,
    one update, in one transaction), on ``workers`` threads with a database connection each
    (accounts are independent, and the facade's lock makes concurrent writers safe; use 1
    on SQLite and inside a test's transaction).
    """
    settings = services.program()
    Order = get_model("order", "Order")
    orders = Order.objects.all() if orders is None else orders
    report = BackfillReport(as_of=as_of)
    tiers = services.tiers()
    thresholds = [tier.threshold for tier in tiers]
    window = timedelta(days=settings.tier_window_days)
    by_points = settings.tier_basis == ProgramSettings.TierBasis.POINTS
    total_field = "total_incl_tax" if settings.include_tax else "total_excl_tax"
    confirm_status = settings.confirm_status
    started = time.perf_counter()
    # What earlier runs (or the live receivers) awarded: points per order.
    awarded = dict(
        LedgerEntry.objects.filter(kind=Kind.EARN_PENDING, order_id__isnull=False)
        .values_list("order_id")
        .annotate(total=Sum("pending"))
    )
    rows = list(
        orders.exclude(user=None)
        .order_by("date_placed", "pk")
        .values_list(
            "pk",
            "user_id",
            "date_placed",
            total_field,
            "status",
            "number",
            "shipping_incl_tax",
            "shipping_excl_tax",
        )  # fmt: skip
    )
    report.skipped = orders.filter(user=None).count()

    # Pass 1: earnings, in time order.
    rolling: dict[int, _Rolling] = defaultdict(lambda: _Rolling(window))
    plans: dict[int, list[facade.Award]] = defaultdict(list)
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        lines = _lines_by_order([row[0] for row in batch if row[0] not in awarded])
        for pk, user_id, placed, total, status, number, ship_incl, ship_excl in batch:
            history = rolling[user_id]
            before = history.value_before(placed)
            counts = not settings.is_cancel_status(status)
            if pk in awarded:
                report.skipped += 1
                if counts:
                    history.add(placed, Decimal(awarded[pk]) if by_points else total)
                continue
            order = _Order(pk, number, ship_incl, ship_excl)
            earning = order_earning(
                order, lines.get(pk, []), settings, _multiplier(before, thresholds, tiers)
            )
            if counts:
                history.add(placed, Decimal(earning.points) if by_points else total)
            if earning.points <= 0:
                report.skipped += 1
                continue
            plans[user_id].append(
                facade.Award(
                    points=earning.points,
                    key=f"order:{pk}:award",
                    reason=_("Order %(number)s") % {"number": number},
                    order=order,
                    lines=earning.lines,
                    confirm=bool(confirm_status) and status == confirm_status,
                    detail=earning.detail(),
                    at=placed,
                )
            )

    # Pass 2: one locked, verified, idempotent write per customer.
    LoyaltyAccount.objects.bulk_create(
        [LoyaltyAccount(user_id=user_id) for user_id in plans],
        ignore_conflicts=True,
        batch_size=1000,
    )
    users = list(plans)
    _write(users, plans, report, progress, workers)
    report.customers = len(users)
    report.award_seconds = time.perf_counter() - started

    started = time.perf_counter()
    report.tiers = place_in_tiers(as_of=as_of)
    report.tier_seconds = time.perf_counter() - started
    return report


def _write(users: list[int], plans: dict, report: BackfillReport, progress, workers: int) -> None:
    chunks = [
        users[start : start + CUSTOMERS_PER_TRANSACTION]
        for start in range(0, len(users), CUSTOMERS_PER_TRANSACTION)
    ]
    lock = threading.Lock()

    def write_chunk(chunk: list[int]) -> None:
        orders = points = 0
        with transaction.atomic():  # a failure rolls back these customers, then raises
            batch = {user_id: plans[user_id] for user_id in chunk}
            for results in facade.award_batch(batch, savepoint=False).values():
                for result in results:
                    if result.created:
                        orders += 1
                        points += result.change
        with lock:
            report.orders += orders
            report.points += points
            if progress:
                progress(sum(len(plans[user_id]) for user_id in chunk))

    if workers > 1 and connection.in_atomic_block:
        raise RuntimeError("backfill(workers > 1) cannot run inside a transaction")
    if workers <= 1:
        for chunk in chunks:
            write_chunk(chunk)
        return

    pending: deque[list[int]] = deque(chunks)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while not errors:
                with lock:
                    if not pending:
                        return
                    chunk = pending.popleft()
                write_chunk(chunk)
        except BaseException as error:  # re-raised by the caller's thread
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def place_in_tiers(*, as_of: datetime | None = None) -> Counter:
    """Put every account in the tier its rolling value reaches at ``as_of`` (in a few
    queries: the values are aggregated for all customers at once)."""
    as_of = as_of or timezone.now()
    tiers = services.tiers()
    counts: Counter = Counter()
    if not tiers:
        return counts
    values = services.tier_values(at=as_of)
    current = dict(LoyaltyAccount.objects.exclude(user=None).values_list("user_id", "tier_id"))
    moves = {}
    for user_id, tier_id in current.items():
        tier = services.tier_for(values.get(user_id, Decimal("0")))
        if (tier.pk if tier else None) != tier_id:
            moves[user_id] = tier
        counts[tier.name if tier else ""] += 1
    users = list(moves)
    for start in range(0, len(users), 500):
        facade.set_tiers({user: moves[user] for user in users[start : start + 500]}, at=as_of)
    if moves:
        segment_rules.tiers_placed()
    return counts
