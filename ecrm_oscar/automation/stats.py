"""Per-flow results for the dashboard: one grouped query for every flow."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from ecrm_oscar.automation.abstract_models import DELIVERED, MessageStatus
from ecrm_oscar.automation.models import Message, SurveyResponse

CENT = Decimal("0.01")


@dataclass
class FlowResults:
    queued: int = 0
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal(0)
    ordered: int = 0
    failed: int = 0
    held_out: int = 0
    held_out_ordered: int = 0

    def _rate(self, part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def open_rate(self) -> float | None:
        return self._rate(self.opened, self.sent)

    @property
    def click_rate(self) -> float | None:
        return self._rate(self.clicked, self.sent)

    @property
    def order_rate(self) -> float | None:
        """Share of emailed shoppers who ordered within the window (any order)."""
        return self._rate(self.ordered, self.sent)

    @property
    def holdout_order_rate(self) -> float | None:
        return self._rate(self.held_out_ordered, self.held_out)

    @property
    def lift(self) -> float | None:
        """Order rate of the emailed group minus the hold-out's, in percentage points."""
        if self.order_rate is None or self.holdout_order_rate is None:
            return None
        return round(self.order_rate - self.holdout_order_rate, 1)


def flow_results(flow_ids=None) -> dict[int, FlowResults]:
    """flow id → its results (one query)."""
    messages = Message.objects.all()
    if flow_ids is not None:
        messages = messages.filter(flow_id__in=list(flow_ids))
    delivered = Q(status__in=DELIVERED)
    rows = (
        messages.values("flow_id")
        .annotate(
            queued=Count("id", filter=Q(status=MessageStatus.QUEUED)),
            sent=Count("id", filter=delivered),
            opened=Count("id", filter=delivered & Q(opened_at__isnull=False)),
            clicked=Count("id", filter=delivered & Q(clicked_at__isnull=False)),
            conversions=Count("id", filter=Q(converted_at__isnull=False)),
            revenue=Sum("revenue", filter=Q(converted_at__isnull=False)),
            ordered=Count("id", filter=delivered & Q(ordered_at__isnull=False)),
            failed=Count("id", filter=Q(status=MessageStatus.FAILED)),
            held_out=Count("id", filter=Q(status=MessageStatus.HELD_OUT)),
            held_out_ordered=Count(
                "id", filter=Q(status=MessageStatus.HELD_OUT, ordered_at__isnull=False)
            ),
        )
        .order_by()
    )
    results = {}
    for row in rows:
        flow_id = row.pop("flow_id")
        # To the cent: SQLite's SUM gives a float-like Decimal (6.30000000000000).
        row["revenue"] = (row["revenue"] or Decimal(0)).quantize(CENT)
        results[flow_id] = FlowResults(**row)
    return results


def nps_summary(responses=None) -> dict:
    """Promoters, passives, detractors and the score (one query)."""
    responses = responses if responses is not None else SurveyResponse.objects.all()
    counts = responses.aggregate(
        total=Count("id"),
        promoters=Count("id", filter=Q(score__gte=9)),
        detractors=Count("id", filter=Q(score__lte=6)),
    )
    total = counts["total"]
    counts["passives"] = total - counts["promoters"] - counts["detractors"]
    counts["nps"] = (
        round(100.0 * (counts["promoters"] - counts["detractors"]) / total, 1) if total else None
    )
    return counts
