"""Help-center figures for the KPI overview: the deflection rate (as the help report's)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ecrm_oscar.dashboard.kpi_registry import Range, days, ratio
from ecrm_wagtail.helpcenter.models import HelpContactSession


def _within(period: Range) -> Q:
    return Q(created_at__gte=period[0], created_at__lt=period[1])


def kpis(period: Range, previous: Range) -> list[dict]:
    sessions = HelpContactSession.objects.filter(
        created_at__gte=previous[0], created_at__lt=period[1]
    )
    has_case = ~Q(case_number="")
    totals = sessions.aggregate(
        now=Count("pk", filter=_within(period)),
        cases_now=Count("pk", filter=_within(period) & has_case),
        before=Count("pk", filter=_within(previous)),
        cases_before=Count("pk", filter=_within(previous) & has_case),
    )
    rows = (
        sessions.filter(_within(period))
        .values("created_at__date")
        .annotate(n=Count("pk"), cases=Count("pk", filter=has_case))
        .order_by()
        .values_list("created_at__date", "n", "cases")
    )
    per_day = {day: (n, cases) for day, n, cases in rows}
    return [
        {
            "key": "helpcenter.deflection_rate",
            "label": _("Help-center deflection rate"),
            "value": ratio(totals["now"] - totals["cases_now"], totals["now"]),
            "previous": ratio(totals["before"] - totals["cases_before"], totals["before"]),
            "unit": "percent",
            "help": _(
                "Help sessions (assistant questions or contact-form suggestions) that did "
                "not become a support case ÷ all help sessions started in the period (× 100)."
            ),
            "series": [
                [d.isoformat(), ratio(per_day[d][0] - per_day[d][1], per_day[d][0])]
                if d in per_day
                else [d.isoformat(), None]
                for d in days(period)
            ],
        }
    ]
