"""Orders and customers figures for the KPI overview (``ecrm_oscar.dashboard.kpi_registry``).

Orders in ``ECRM_PROFILE_EXCLUDED_ORDER_STATUSES`` (cancelled) never count. Seven queries,
whatever the period: both periods' order totals, the per-day series, repeat customers of
each period, the CLV average, segment sizes and the RFM segment movements of both periods
(from :class:`~ecrm_oscar.customers.models.SegmentChange`).
"""

from __future__ import annotations

from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.customers.models import CustomerProfile, SegmentChange
from ecrm_oscar.customers.rfm import RfmSegment
from ecrm_oscar.dashboard.kpi_registry import Range, days, ratio


def _orders():
    Order = get_model("order", "Order")
    excluded = list(conf.get("ECRM_PROFILE_EXCLUDED_ORDER_STATUSES") or ())
    return Order.objects.exclude(status__in=excluded)


def _within(period: Range) -> Q:
    return Q(date_placed__gte=period[0], date_placed__lt=period[1])


def _repeat_customers(period: Range) -> int:
    """Customers who ordered in the period and had at least two orders by its end."""
    buyers = _orders().filter(_within(period), user__isnull=False).values("user_id")
    return (
        _orders()
        .filter(user_id__in=buyers, date_placed__lt=period[1])
        .values("user_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by()
        .count()
    )


def kpis(period: Range, previous: Range) -> list[dict]:
    orders = _orders()
    totals = orders.filter(date_placed__gte=previous[0], date_placed__lt=period[1]).aggregate(
        **{
            f"{name}_{which}": aggregate(field, filter=_within(window), **extra)
            for which, window in (("now", period), ("before", previous))
            for name, aggregate, field, extra in (
                ("orders", Count, "id", {}),
                ("revenue", Sum, "total_incl_tax", {}),
                ("customers", Count, "user_id", {"distinct": True}),
            )
        }
    )
    per_day = dict(
        (day, (count, revenue))
        for day, count, revenue in orders.filter(_within(period))
        .values("date_placed__date")
        .annotate(n=Count("id"), revenue=Sum("total_incl_tax"))
        .order_by()
        .values_list("date_placed__date", "n", "revenue")
    )
    all_days = days(period)
    revenue_series = [[d.isoformat(), float(per_day.get(d, (0, 0))[1] or 0)] for d in all_days]
    orders_series = [[d.isoformat(), per_day.get(d, (0, 0))[0]] for d in all_days]
    aov_series = [
        [
            d.isoformat(),
            ratio(per_day[d][1], per_day[d][0], percent=False) if d in per_day else None,
        ]
        for d in all_days
    ]
    repeat_now = _repeat_customers(period)
    repeat_before = _repeat_customers(previous)
    clv = CustomerProfile.objects.aggregate(avg=Avg("predicted_clv"), n=Count("pk"))
    sizes = dict(
        CustomerProfile.objects.exclude(rfm_segment="")
        .values_list("rfm_segment")
        .annotate(n=Count("pk"))
        .order_by()
    )
    moves = list(
        SegmentChange.objects.filter(changed_at__gte=previous[0], changed_at__lt=period[1])
        .values("from_segment", "to_segment")
        .annotate(
            now=Count("pk", filter=Q(changed_at__gte=period[0])),
            before=Count("pk", filter=Q(changed_at__lt=period[0])),
        )
        .order_by()
        .values_list("from_segment", "to_segment", "now", "before")
    )
    figures = [
        {
            "key": "customers.orders",
            "label": _("Orders"),
            "value": totals["orders_now"],
            "previous": totals["orders_before"],
            "unit": "count",
            "help": _("Orders placed in the period (cancelled orders excluded)."),
            "series": orders_series,
        },
        {
            "key": "customers.revenue",
            "label": _("Revenue"),
            "value": totals["revenue_now"] or 0,
            "previous": totals["revenue_before"] or 0,
            "unit": "currency",
            "help": _("Sum of the order totals (tax included) of the period's orders."),
            "series": revenue_series,
        },
        {
            "key": "customers.average_order_value",
            "label": _("Average order value"),
            "value": ratio(totals["revenue_now"], totals["orders_now"], percent=False),
            "previous": ratio(totals["revenue_before"], totals["orders_before"], percent=False),
            "unit": "currency",
            "help": _("Revenue ÷ orders of the period (tax included, cancelled excluded)."),
            "series": aov_series,
        },
        {
            "key": "customers.repeat_purchase_rate",
            "label": _("Repeat purchase rate"),
            "value": ratio(repeat_now, totals["customers_now"]),
            "previous": ratio(repeat_before, totals["customers_before"]),
            "unit": "percent",
            "help": _(
                "Registered customers who ordered in the period and had placed at least two "
                "orders by its end ÷ registered customers who ordered in the period (× 100)."
            ),
        },
        {
            "key": "customers.clv",
            "label": _("Customer lifetime value (average, predicted)"),
            "value": round(clv["avg"], 2) if clv["avg"] is not None else None,
            "previous": None,
            "unit": "currency",
            "help": _(
                "Average predicted value of a customer over the CLV horizon "
                "(ECRM_CLV_HORIZON_DAYS), from the current customer profiles (BG/NBD-style "
                "purchase rate × average order value, docs/customers.md); a snapshot, not "
                "period-bound."
            ),
        },
    ]
    for code, label in RfmSegment.choices:
        figures.append(
            {
                "key": f"customers.rfm_size.{code}",
                "label": label,
                "value": sizes.get(code, 0),
                "previous": None,
                "unit": "count",
                "group": _("RFM segment sizes (now)"),
                "help": _(
                    "Customers whose current profile falls in this RFM segment (profiles are "
                    "rebuilt nightly and after each order)."
                ),
            }
        )
    joins: dict[str, list[int]] = {}
    for _from, to, now, before in moves:
        counts = joins.setdefault(to, [0, 0])
        counts[0] += now
        counts[1] += before
    for code, label in RfmSegment.choices:
        now, before = joins.get(code, (0, 0))
        figures.append(
            {
                "key": f"customers.rfm_joined.{code}",
                "label": label,
                "value": now,
                "previous": before,
                "unit": "count",
                "group": _("Customers who moved into each RFM segment"),
                "help": _(
                    "Customers whose RFM segment became this one during the period, from "
                    "another segment or as a new customer (recorded by every profile "
                    "recompute; history before ecrm came is reconstructed month by month by "
                    "ecrm_backfill_segment_history)."
                ),
            }
        )
    figures.extend(_movements(moves))
    return figures


def _segment_label(code: str) -> str:
    if not code:
        return _("no profile")
    return str(dict(RfmSegment.choices).get(code, code))


def _movements(moves: list[tuple[str, str, int, int]]) -> list[dict]:
    """One figure per (from, to) pair that moved in either period, most moves first."""
    ranked = sorted((m for m in moves if m[2] or m[3]), key=lambda m: (-m[2], -m[3], m[0], m[1]))
    return [
        {
            "key": f"customers.rfm_moved.{source or 'none'}.{target or 'none'}",
            "label": f"{_segment_label(source)} → {_segment_label(target)}",
            "value": now,
            "previous": before,
            "unit": "count",
            "group": _("RFM segment movements (from → to)"),
            "help": _(
                "Customers whose RFM segment changed from the first to the second during the "
                "period (a customer who moved twice counts in both pairs; 'no profile': "
                "before their first order, or after every order was cancelled). Profiles "
                "are rescored nightly and after each order; past months are reconstructed "
                "from the order history by ecrm_backfill_segment_history."
            ),
        }
        for source, target, now, before in ranked
    ]
