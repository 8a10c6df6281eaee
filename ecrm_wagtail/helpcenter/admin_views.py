"""The help center report page in Wagtail's admin."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from ecrm_wagtail.helpcenter.models import FeedbackReason
from ecrm_wagtail.helpcenter.reports import help_report

REPORT_PERMISSION = "ecrm_helpcenter.view_helpsearchlog"
PERIODS = [7, 30, 90, 365]


def can_see_reports(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(REPORT_PERMISSION))


def help_center_report(request):
    if not can_see_reports(request.user):
        raise PermissionDenied
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    report = help_report(days)
    labels = dict(FeedbackReason.choices)
    report["reasons"] = [(labels.get(k, k), n) for k, n in report["reasons"].items()]
    return render(
        request,
        "ecrm/helpcenter/admin/report.html",
        {"report": report, "periods": PERIODS, "days": days},
    )
