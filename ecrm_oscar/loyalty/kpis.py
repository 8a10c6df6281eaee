"""Loyalty figures for the KPI overview: points issued and redeemed, and the liability.

Issued = points earned in the period (``earn_pending`` entries and positive adjustments);
redeemed = points spent on orders (``redeem`` entries). Two queries and the liability's one.
"""

from __future__ import annotations

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from ecrm_oscar.dashboard.kpi_registry import Range, daily
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount
from ecrm_oscar.loyalty.rules import money_for_points


def _within(period: Range) -> Q:
    return Q(created_at__gte=period[0], created_at__lt=period[1])


REDEEMED = Q(kind=Kind.REDEEM)


def kpis(period: Range, previous: Range) -> list[dict]:
    from ecrm_oscar.loyalty import services

    entries = LedgerEntry.objects.filter(created_at__gte=previous[0], created_at__lt=period[1])
    # issued: pending for earned points, points for positive adjustments; redeemed: the
    # spendable or reserved points a redeem entry takes (both negative).
    totals = entries.aggregate(
        earned_now=Sum("pending", filter=Q(kind=Kind.EARN_PENDING) & _within(period)),
        adjusted_now=Sum("points", filter=Q(kind=Kind.ADJUST, points__gt=0) & _within(period)),
        earned_before=Sum("pending", filter=Q(kind=Kind.EARN_PENDING) & _within(previous)),
        adjusted_before=Sum("points", filter=Q(kind=Kind.ADJUST, points__gt=0) & _within(previous)),
        redeemed_now=Sum("points", filter=REDEEMED & _within(period)),
        redeemed_reserved_now=Sum("reserved", filter=REDEEMED & _within(period)),
        redeemed_before=Sum("points", filter=REDEEMED & _within(previous)),
        redeemed_reserved_before=Sum("reserved", filter=REDEEMED & _within(previous)),
    )
    series = daily(
        LedgerEntry.objects.filter(kind=Kind.EARN_PENDING), "created_at", Sum("pending"), period
    )
    liability = LoyaltyAccount.objects.aggregate(balance=Sum("balance"), reserved=Sum("reserved"))
    outstanding = (liability["balance"] or 0) + (liability["reserved"] or 0)

    def _n(value) -> int:
        return int(value or 0)

    return [
        {
            "key": "loyalty.points_issued",
            "label": _("Loyalty points issued"),
            "value": _n(totals["earned_now"]) + _n(totals["adjusted_now"]),
            "previous": _n(totals["earned_before"]) + _n(totals["adjusted_before"]),
            "unit": "count",
            "help": _(
                "Points earned in the period (orders and bonuses, counted when earned, "
                "before confirmation) plus positive manual adjustments."
            ),
            "series": series,
        },
        {
            "key": "loyalty.points_redeemed",
            "label": _("Loyalty points redeemed"),
            "value": -(_n(totals["redeemed_now"]) + _n(totals["redeemed_reserved_now"])),
            "previous": -(_n(totals["redeemed_before"]) + _n(totals["redeemed_reserved_before"])),
            "unit": "count",
            "help": _("Points spent on orders in the period (redeem entries of the ledger)."),
        },
        {
            "key": "loyalty.liability",
            "label": _("Loyalty liability (now)"),
            "value": money_for_points(outstanding, services.program().point_value),
            "previous": None,
            "unit": "currency",
            "help": _(
                "What the programme owes today: spendable and reserved points of every "
                "account × the current point value (pending points excluded)."
            ),
        },
    ]
