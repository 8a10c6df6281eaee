"""Automation's KPIs for the owner console (contract: ``kpis(period, previous)``).

Three queries for everything, both periods at once: the messages by day (sent, opened,
clicked, attributed revenue), the baskets by day (created with lines, abandoned) and the
survey answers by day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ecrm_oscar.automation.abstract_models import DELIVERED
from ecrm_oscar.automation.models import Message, SurveyResponse


def _days(period: tuple[datetime, datetime]) -> list[date]:
    start, end = (timezone.localdate(moment) for moment in period)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _rate(part: Any, whole: Any) -> float | None:
    return round(100.0 * float(part) / float(whole), 1) if whole else None


def _nps(scores: list[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100.0 * (promoters - detractors) / len(scores), 1)


def kpis(
    period: tuple[datetime, datetime], previous: tuple[datetime, datetime]
) -> list[dict[str, Any]]:
    """Abandoned-basket rate, recovered revenue, emails sent, open, click rates, NPS."""
    start = min(period[0], previous[0])
    end = max(period[1], previous[1])
    period_days = _days(period)
    previous_days = _days(previous)

    # 1. messages, by the day they were sent
    by_day: dict[date, dict[str, Any]] = {}
    for row in (
        Message.objects.filter(sent_at__gte=start, sent_at__lt=end, status__in=DELIVERED)
        .annotate(day=TruncDate("sent_at"))
        .values("day")
        .annotate(
            sent=Count("id"),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            revenue=Sum("revenue", filter=Q(converted_at__isnull=False)),
        )
        .order_by()
    ):
        by_day[row["day"]] = row
    # 2. baskets with lines, by the day they were created; abandoned = still open
    Basket = get_model("basket", "Basket")
    baskets: dict[date, dict[str, int]] = {}
    for row in (
        Basket.objects.filter(date_created__gte=start, date_created__lt=end, lines__isnull=False)
        .annotate(day=TruncDate("date_created"))
        .values("day")
        .annotate(
            total=Count("id", distinct=True),
            abandoned=Count("id", distinct=True, filter=Q(status__in=[Basket.OPEN, Basket.SAVED])),
        )
        .order_by()
    ):
        baskets[row["day"]] = row
    # 3. survey answers
    scores: dict[date, list[int]] = {}
    for day, score in (
        SurveyResponse.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at"))
        .values_list("day", "score")
    ):
        scores.setdefault(day, []).append(score)

    def total(source: dict, days: list[date], name: str) -> Any:
        values = [source[d][name] for d in days if d in source and source[d][name] is not None]
        return sum(values, Decimal(0) if name == "revenue" else 0)

    def metric(days: list[date]) -> dict[str, Any]:
        sent = total(by_day, days, "sent")
        all_scores = [s for d in days for s in scores.get(d, [])]
        return {
            "abandoned_basket_rate": _rate(
                total(baskets, days, "abandoned"), total(baskets, days, "total")
            ),
            "recovered_revenue": total(by_day, days, "revenue"),
            "emails_sent": sent,
            "open_rate": _rate(total(by_day, days, "opened"), sent),
            "click_rate": _rate(total(by_day, days, "clicked"), sent),
            "nps": _nps(all_scores),
        }

    def series(name: str) -> list[list[Any]]:
        return [[day.isoformat(), metric([day])[name]] for day in period_days]

    now, before = metric(period_days), metric(previous_days)
    definitions = [
        (
            "abandoned_basket_rate",
            _("Abandoned-basket rate"),
            "percent",
            _("Baskets with items created in the period that were never ordered, in %."),
        ),
        (
            "recovered_revenue",
            _("Revenue recovered by automation"),
            "currency",
            _(
                "Orders placed within the attribution window after a click in an automation "
                "email (last click wins), by the day the email was sent."
            ),
        ),
        (
            "emails_sent",
            _("Automation emails sent"),
            "count",
            _("Emails delivered to the mail server."),
        ),
        (
            "open_rate",
            _("Open rate"),
            "percent",
            _("Sent emails whose tracking pixel loaded (or that were clicked), in %."),
        ),
        (
            "click_rate",
            _("Click rate"),
            "percent",
            _("Sent emails with at least one tracked click, in %."),
        ),
        (
            "nps",
            _("Net Promoter Score"),
            "number",
            _("Post-purchase survey: % promoters (9–10) minus % detractors (0–6), −100 to 100."),
        ),
    ]
    return [
        {
            "key": f"automation.{name}",
            "label": label,
            "value": now[name],
            "previous": before[name],
            "unit": unit,
            "help": help_text,
            "series": series(name),
        }
        for name, label, unit, help_text in definitions
    ]
