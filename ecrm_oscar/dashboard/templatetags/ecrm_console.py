"""``{% load ecrm_console %}``: formatting of KPI figures by their unit."""

from decimal import Decimal

from django import template
from oscar.templatetags.currency_filters import currency

register = template.Library()


@register.filter
def kpi_value(value, unit):
    """A figure as people read it: 1,234 · 12.5 % · £45.00 · – when there is no value."""
    if value is None or value == "":
        return "–"
    if unit == "currency":
        return currency(Decimal(str(value)))
    if unit == "percent":
        return f"{float(value):.1f} %"
    if unit == "count":
        return f"{float(value):,.0f}"
    return f"{float(value):,.2f}"


@register.filter
def kpi_change(change, unit):
    """The change against the previous period: +12.0 % (or +1.5 pts for rates)."""
    if change is None:
        return ""
    suffix = " pts" if unit == "percent" else " %"
    return f"{change:+.1f}{suffix}"
