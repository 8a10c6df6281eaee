"""Recommendation figures for the KPI overview, from the tracking beacon's events.

Impressions and clicks are ``recommendation_impression`` / ``recommendation_clicked``
events (one impression per list seen). Revenue is attributed to recommendations when the
order's session clicked a recommendation before the order was placed. Three queries.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from ecrm_oscar.dashboard.kpi_registry import Range, days, ratio
from ecrm_oscar.tracking import event_types
from ecrm_oscar.tracking.models import Event

SHOWN, CLICKED = event_types.RECOMMENDATION_IMPRESSION, event_types.RECOMMENDATION_CLICKED


def _within(period: Range) -> Q:
    return Q(created_at__gte=period[0], created_at__lt=period[1])


def kpis(period: Range, previous: Range) -> list[dict]:
    span = Q(created_at__gte=previous[0], created_at__lt=period[1])
    counts = Event.objects.filter(span, type__in=[SHOWN, CLICKED]).aggregate(
        shown_now=Count("pk", filter=Q(type=SHOWN) & _within(period)),
        clicked_now=Count("pk", filter=Q(type=CLICKED) & _within(period)),
        shown_before=Count("pk", filter=Q(type=SHOWN) & _within(previous)),
        clicked_before=Count("pk", filter=Q(type=CLICKED) & _within(previous)),
    )
    clicked_first = Event.objects.filter(
        type=CLICKED,
        session_key=OuterRef("session_key"),
        created_at__lte=OuterRef("created_at"),
    )
    revenue = (
        Event.objects.filter(span, type=event_types.ORDER_PLACED)
        .exclude(session_key="")
        .filter(Exists(clicked_first))
        .aggregate(
            now=Sum("value", filter=_within(period)),
            before=Sum("value", filter=_within(previous)),
        )
    )
    rows = (
        Event.objects.filter(_within(period), type__in=[SHOWN, CLICKED])
        .values("created_at__date", "type")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("created_at__date", "type", "n")
    )
    by_day: dict = {}
    for day, kind, n in rows:
        by_day.setdefault(day, {})[kind] = n
    series = [
        [d.isoformat(), ratio(by_day.get(d, {}).get(CLICKED, 0), by_day.get(d, {}).get(SHOWN))]
        for d in days(period)
    ]
    return [
        {
            "key": "recommendations.ctr",
            "label": _("Recommendation click-through rate"),
            "value": ratio(counts["clicked_now"], counts["shown_now"]),
            "previous": ratio(counts["clicked_before"], counts["shown_before"]),
            "unit": "percent",
            "help": _(
                "Clicks on recommended products ÷ recommendation lists shown (× 100), from "
                "the tracking beacon's impression and click events of the period."
            ),
            "series": series,
        },
        {
            "key": "recommendations.attributed_revenue",
            "label": _("Revenue attributed to recommendations"),
            "value": revenue["now"] or 0,
            "previous": revenue["before"] or 0,
            "unit": "currency",
            "help": _(
                "Sum of the order values of the period's orders whose browser session "
                "clicked a recommendation before the order was placed (last-session "
                "attribution; orders without a session are not attributed)."
            ),
        },
    ]
