"""Tracking's figures for the KPI overview (``ecrm_oscar.dashboard.kpi_registry``).

A "session" is a browser session key recorded on events (events without one, such as
imported order history, are not sessions). Two queries: totals of both periods, and the
per-day series.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ecrm_oscar.dashboard.kpi_registry import Range, days, ratio
from ecrm_oscar.tracking import event_types
from ecrm_oscar.tracking.models import Event


def _within(period: Range) -> Q:
    return Q(created_at__gte=period[0], created_at__lt=period[1])


def kpis(period: Range, previous: Range) -> list[dict]:
    viewed, ordered = event_types.PRODUCT_VIEWED, event_types.ORDER_PLACED
    events = Event.objects.filter(type__in=[viewed, ordered]).exclude(session_key="")
    totals = events.filter(created_at__gte=previous[0], created_at__lt=period[1]).aggregate(
        **{
            f"{name}_{which}": Count(
                "session_key", distinct=True, filter=Q(type=kind) & _within(window)
            )
            for which, window in (("now", period), ("before", previous))
            for name, kind in (("viewed", viewed), ("ordered", ordered))
        }
    )
    rows = (
        events.filter(_within(period))
        .values("created_at__date", "type")
        .annotate(sessions=Count("session_key", distinct=True))
        .order_by()
        .values_list("created_at__date", "type", "sessions")
    )
    by_day: dict = {}
    for day, kind, sessions in rows:
        by_day.setdefault(day, {})[kind] = sessions
    all_days = days(period)
    views_series = [[d.isoformat(), by_day.get(d, {}).get(viewed, 0)] for d in all_days]
    conversion_series = [
        [d.isoformat(), ratio(by_day.get(d, {}).get(ordered, 0), by_day.get(d, {}).get(viewed))]
        for d in all_days
    ]
    return [
        {
            "key": "tracking.sessions_with_product_view",
            "label": _("Sessions with a product view"),
            "value": totals["viewed_now"],
            "previous": totals["viewed_before"],
            "unit": "count",
            "help": _(
                "Distinct browser sessions that recorded at least one product view in the "
                "period (visitors excluded by consent, Do-Not-Track or bot rules are not "
                "recorded)."
            ),
            "series": views_series,
        },
        {
            "key": "tracking.conversion_rate",
            "label": _("Conversion rate"),
            "value": ratio(totals["ordered_now"], totals["viewed_now"]),
            "previous": ratio(totals["ordered_before"], totals["viewed_before"]),
            "unit": "percent",
            "help": _(
                "Sessions that placed an order ÷ sessions with a product view, in the "
                "period (× 100). Empty when no session viewed a product."
            ),
            "series": conversion_series,
        },
    ]
