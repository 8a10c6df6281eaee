"""The KPI overview's logic: the chosen period, every provider's figures, charts, CSV.

Views stay thin; this module turns a request's period into a :class:`Period` (clamped to
``ECRM_KPI_MAX_DAYS``) and the registry's figures into rows and charts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.dashboard import charts, kpi_registry
from ecrm_oscar.dashboard.kpi_registry import Period


@dataclass
class Choice:
    period: Period
    first: date
    last: date
    preset: str
    messages: list[str] = field(default_factory=list)


def _last_day() -> date:
    """Presets end today; for historical data (``ECRM_RFM_REFERENCE = "latest_order"``, as
    in the demo) they end on the newest order's day, so "last 30 days" shows figures."""
    today = timezone.localdate()
    if conf.get("ECRM_RFM_REFERENCE") != "latest_order":
        return today
    latest = get_model("order", "Order").objects.aggregate(latest=Max("date_placed"))["latest"]
    return timezone.localtime(latest).date() if latest else today


def choose_period(data: dict[str, Any] | None) -> Choice:
    """The period of valid form data (``KpiPeriodForm.cleaned_data``); None: last 30 days."""
    data = data or {}
    preset = data.get("preset") or "30"
    notes: list[str] = []
    if preset == "custom":
        first = data["start"]
        last = data.get("end") or timezone.localdate()
    elif preset == "all":
        Order = get_model("order", "Order")
        span = Order.objects.aggregate(first=Min("date_placed"), last=Max("date_placed"))
        if span["first"] is None:
            last = timezone.localdate()
            first = last - timedelta(days=29)
        else:
            first = timezone.localtime(span["first"]).date()
            last = timezone.localtime(span["last"]).date()
    else:
        last = _last_day()
        first = last - timedelta(days=int(preset) - 1)
    limit = conf.get("ECRM_KPI_MAX_DAYS")
    if (last - first).days + 1 > limit:
        first = last - timedelta(days=limit - 1)
        notes.append(
            _("That period is longer than %(days)s days: showing the last %(days)s days.")
            % {"days": f"{limit:,}"}
        )
    return Choice(kpi_registry.period_for(first, last), first, last, preset, notes)


def change(value: Any, previous: Any, unit: str) -> float | None:
    """Percent change against the previous period (percentage points for rates)."""
    if value is None or previous is None:
        return None
    if unit == "percent":
        return round(float(value) - float(previous), 1)
    if not previous:
        return None
    return round((float(value) - float(previous)) / float(previous) * 100, 1)


def overview(choice: Choice) -> dict[str, Any]:
    """Every figure (with its change and chart) and the grouped bar charts."""
    figures = kpi_registry.collect(choice.period.range, choice.period.previous)
    singles, groups = [], {}
    for figure in figures:
        figure["change"] = change(figure["value"], figure["previous"], figure["unit"])
        if figure.get("group"):
            groups.setdefault(str(figure["group"]), []).append(figure)
            continue
        if figure.get("series") and any(v is not None for _d, v in figure["series"]):
            figure["chart"] = charts.line_chart(
                figure["series"], figure["unit"], str(figure["label"])
            )
        singles.append(figure)
    bars = [
        {
            "title": title,
            "items": items,
            "chart": charts.bar_chart(items, title, previous_label=_("previous period:")),
        }
        for title, items in groups.items()
    ]
    return {"figures": singles, "groups": bars, "all": figures}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def as_json(choice: Choice, figures: list[dict]) -> dict[str, Any]:
    """The JSON endpoint's body: the periods and every figure, decimals as strings."""
    return {
        "period": {"start": choice.first.isoformat(), "end": choice.last.isoformat()},
        "previous": {
            "start": timezone.localtime(choice.period.previous[0]).date().isoformat(),
            "end": (choice.first - timedelta(days=1)).isoformat(),
        },
        "messages": choice.messages,
        "kpis": [
            {
                "key": f["key"],
                "label": str(f["label"]),
                "value": _plain(f["value"]),
                "previous": _plain(f["previous"]),
                "unit": f["unit"],
                "help": str(f["help"]),
                "group": str(f["group"]) if f.get("group") else None,
                "series": f.get("series"),
            }
            for f in figures
        ],
    }


def as_csv(choice: Choice, figures: list[dict]) -> str:
    """One row per figure: key, label, unit, value, previous, change, period, help."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["key", "label", "group", "unit", "value", "previous", "change", "start", "end", "help"]
    )
    for f in figures:
        writer.writerow(
            [
                f["key"],
                str(f["label"]),
                str(f["group"] or ""),
                f["unit"],
                "" if f["value"] is None else _plain(f["value"]),
                "" if f["previous"] is None else _plain(f["previous"]),
                "" if f.get("change") is None else f["change"],
                choice.first.isoformat(),
                choice.last.isoformat(),
                str(f["help"]),
            ]
        )
    return out.getvalue()
