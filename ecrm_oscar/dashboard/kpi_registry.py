"""The KPI overview's registry: every installed app's ``kpis.py`` provider, and periods.

An app takes part by shipping ``<app>/kpis.py`` with::

    def kpis(period: tuple[datetime, datetime], previous: tuple[datetime, datetime]) -> list[dict]

Each dict: ``key`` ("<app>.<name>"), ``label``, ``value`` and ``previous`` (a number, a
Decimal or None when there is nothing to compute from), ``unit`` ("count", "percent",
"currency" or "number"), ``help`` (how it is computed, shown on hover) and optionally
``series`` (``[[ISO date, value], ...]`` per day of the period) and ``group`` (figures of
one group are also drawn together as bars, e.g. the RFM segment sizes). Periods are
half-open: ``start <= t < end``. A provider that fails is logged and left out, so one
broken app never takes the page down.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

logger = logging.getLogger("ecrm.kpis")

MODULE_NAME = "kpis"
UNITS = ("count", "percent", "currency", "number")
Range = tuple[datetime, datetime]


@functools.cache
def providers() -> tuple[tuple[str, ModuleType], ...]:
    """(app label, module) of every installed app whose ``kpis`` module has ``kpis()``."""
    found = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, MODULE_NAME):
            continue
        module = import_module(f"{config.name}.{MODULE_NAME}")
        if callable(getattr(module, "kpis", None)):
            found.append((config.label, module))
    return tuple(found)


def _valid(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("key"), str)
        and "." in item["key"]
        and item.get("unit") in UNITS
        and "label" in item
        and "value" in item
    )


def collect(period: Range, previous: Range) -> list[dict]:
    """Every provider's figures, in app order; malformed figures and failures are skipped."""
    figures: list[dict] = []
    for label, module in providers():
        try:
            items = module.kpis(period, previous)
        except Exception:
            logger.exception("django-ecrm: the KPI provider of %s failed", label)
            continue
        for item in items or ():
            if _valid(item):
                figures.append(
                    {"previous": None, "help": "", "series": None, "group": None, **item}
                )
            else:
                logger.warning("django-ecrm: %s returned a malformed KPI: %r", label, item)
    return figures


# -- helpers for providers -----------------------------------------------------------------


def ratio(numerator: Any, denominator: Any, percent: bool = True) -> float | None:
    """numerator / denominator (× 100 for a percentage), None when the denominator is 0."""
    if not denominator:
        return None
    value = float(numerator or 0) / float(denominator)
    return round(value * 100, 2) if percent else value


def days(period: Range) -> list[date]:
    """Every local date of the half-open period."""
    start = timezone.localtime(period[0]).date()
    end = timezone.localtime(period[1] - timedelta(microseconds=1)).date()
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def daily(
    queryset: QuerySet, field: str, aggregate: Any, period: Range, fill: Any = 0
) -> list[list]:
    """``[[ISO date, value], ...]`` for every day of ``period``: one GROUP BY query."""
    rows = (
        queryset.filter(**{f"{field}__gte": period[0], f"{field}__lt": period[1]})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(value=aggregate)
        .order_by()
        .values_list("day", "value")
    )
    found = {day: value for day, value in rows}
    return [[day.isoformat(), _plain(found.get(day, fill))] for day in days(period)]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


# -- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    @property
    def range(self) -> Range:
        return (self.start, self.end)

    @property
    def previous(self) -> Range:
        """The period of the same length just before this one."""
        return (self.start - (self.end - self.start), self.start)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def period_for(first: date, last: date) -> Period:
    """Whole local days ``first`` to ``last`` (both included)."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
    return Period(start, end)


def sum_values(items: Iterable[Any]) -> Any:
    return sum((item or 0) for item in items)
