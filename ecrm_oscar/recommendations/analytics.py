"""Recommendation analytics: impressions, clicks, CTR, attributed orders and revenue.

Per "placement:strategy" (what the list markup reports to the tracking beacon), over a
period, in four queries whatever the period: impressions counted by the database, the
period's clicks, the order lines of clicked products placed within the attribution window
(``ECRM_RECOMMENDATION_ATTRIBUTION_DAYS``), and the visitors of those orders.

Attribution: an order line counts for a click when the order contains the clicked product,
was placed by the same customer (or from the same visitor cookie) at most the window after
the click; the latest such click before the order takes it (last click). An order counts
once per placement and strategy; revenue is the attributed lines' price incl. tax.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count
from django.db.models.fields.json import KT
from oscar.core.loading import get_model

from ecrm_oscar import conf


@dataclass
class PlacementFigures:
    placement: str
    strategy: str
    impressions: int = 0
    clicks: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0.00")

    @property
    def ctr(self) -> float | None:
        """Clicks per impression (None without impressions)."""
        return self.clicks / self.impressions if self.impressions else None

    @property
    def conversion(self) -> float | None:
        """Attributed orders per click."""
        return self.orders / self.clicks if self.clicks else None

    @property
    def ctr_percent(self) -> float | None:
        return None if self.ctr is None else 100 * self.ctr

    @property
    def conversion_percent(self) -> float | None:
        return None if self.conversion is None else 100 * self.conversion


def _split(key: str | None) -> tuple[str, str]:
    placement, _, strategy = (key or "").partition(":")
    return placement[:40] or "?", strategy[:40] or "?"


def placement_report(
    start: datetime, end: datetime, window_days: int | None = None
) -> list[PlacementFigures]:
    """Figures per (placement, strategy) for impressions and clicks in [start, end)."""
    from ecrm_oscar.tracking.event_types import (
        ORDER_PLACED,
        RECOMMENDATION_CLICKED,
        RECOMMENDATION_IMPRESSION,
    )

    Event = get_model("ecrm_tracking", "Event")
    Line = get_model("order", "Line")
    if window_days is None:
        window_days = conf.get("ECRM_RECOMMENDATION_ATTRIBUTION_DAYS")
    window = timedelta(days=window_days)
    rows: dict[tuple[str, str], PlacementFigures] = {}

    def row(key: str | None) -> PlacementFigures:
        placement, strategy = _split(key)
        if (placement, strategy) not in rows:
            rows[placement, strategy] = PlacementFigures(placement, strategy)
        return rows[placement, strategy]

    period = {"created_at__gte": start, "created_at__lt": end}
    impressions = (
        Event.objects.filter(type=RECOMMENDATION_IMPRESSION, **period)
        .annotate(key=KT("payload__placement"))
        .values("key")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in impressions:
        row(item["key"]).impressions += item["n"]

    click_events = Event.objects.filter(
        type=RECOMMENDATION_CLICKED, product__isnull=False, **period
    )
    # (product, "user:<id>" / "visitor:<id>") -> sorted [(time, key)]
    clicks: dict[tuple[int, str], list[tuple[datetime, str]]] = defaultdict(list)
    for key, product_id, user_id, visitor_id, at in click_events.annotate(
        key=KT("payload__placement")
    ).values_list("key", "product_id", "user_id", "visitor_id", "created_at"):
        row(key).clicks += 1
        normalised = ":".join(_split(key))
        if user_id:
            clicks[product_id, f"user:{user_id}"].append((at, normalised))
        if visitor_id:
            clicks[product_id, f"visitor:{visitor_id}"].append((at, normalised))
    if clicks:
        for found in clicks.values():
            found.sort()
        excluded_statuses = conf.get("ECRM_PROFILE_EXCLUDED_ORDER_STATUSES")
        lines = (
            Line.objects.filter(
                product_id__in=click_events.values("product_id"),
                order__date_placed__gte=start,
                order__date_placed__lt=end + window,
            )
            .exclude(order__status__in=excluded_statuses)
            .values_list(
                "order_id",
                "order__user_id",
                "product_id",
                "line_price_incl_tax",
                "order__date_placed",
            )
        )
        lines = list(lines)
        visitors: dict[int, set[str]] = defaultdict(set)
        if lines:
            for order_id, visitor_id in (
                Event.objects.filter(
                    type=ORDER_PLACED,
                    order_id__in={line[0] for line in lines},
                )
                .exclude(visitor_id="")
                .values_list("order_id", "visitor_id")
            ):
                visitors[order_id].add(visitor_id)
        counted: set[tuple[str, int]] = set()
        for order_id, user_id, product_id, price, placed in lines:
            identities = [f"visitor:{v}" for v in visitors.get(order_id, ())]
            if user_id:
                identities.append(f"user:{user_id}")
            best: tuple[datetime, str] | None = None
            for identity in identities:
                found = clicks.get((product_id, identity))
                if not found:
                    continue
                index = bisect.bisect_right(found, (placed, "\uffff")) - 1
                if index < 0 or placed - found[index][0] > window:
                    continue
                if best is None or found[index][0] > best[0]:
                    best = found[index]
            if best is None:
                continue
            figures = row(best[1])
            figures.revenue += price or Decimal("0")
            if (best[1], order_id) not in counted:
                counted.add((best[1], order_id))
                figures.orders += 1
    return sorted(rows.values(), key=lambda r: (-r.impressions, -r.clicks, r.placement, r.strategy))


def totals(figures: list[PlacementFigures]) -> PlacementFigures:
    """All placements together (orders may count once per placement they are credited to)."""
    total = PlacementFigures("", "")
    for item in figures:
        total.impressions += item.impressions
        total.clicks += item.clicks
        total.orders += item.orders
        total.revenue += item.revenue
    return total
