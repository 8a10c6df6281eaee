"""System checks of customers: the RFM settings must describe a sound table."""

from __future__ import annotations

from django.core.checks import Error, register

from ecrm_oscar import conf
from ecrm_oscar.customers import rfm


@register()
def check_rfm_settings(app_configs, **kwargs):
    """ecrm.E201: ECRM_RFM_* settings that cannot score or segment every customer."""
    problems = []
    scoring = conf.get("ECRM_RFM_SCORING")
    if scoring not in ("quantiles", "thresholds"):
        problems.append("ECRM_RFM_SCORING must be 'quantiles' or 'thresholds'")
    if conf.get("ECRM_RFM_REFERENCE") not in ("now", "latest_order"):
        problems.append("ECRM_RFM_REFERENCE must be 'now' or 'latest_order'")
    problems += [
        f"ECRM_RFM_THRESHOLDS: {p}"
        for p in rfm.validate_thresholds(conf.get("ECRM_RFM_THRESHOLDS"))
    ]
    table = conf.get("ECRM_RFM_SEGMENTS")
    if table is not None:
        problems += [f"ECRM_RFM_SEGMENTS: {p}" for p in rfm.validate_segments(table)]
    for name in ("ECRM_CLV_HORIZON_DAYS", "ECRM_CLV_LIFETIME_DAYS"):
        value = conf.get(name)
        if not isinstance(value, (int, float)) or value <= 0:
            problems.append(f"{name} must be a positive number of days")
    return [
        Error(problem, hint="See docs/customers.md (RFM and CLV settings).", id="ecrm.E201")
        for problem in problems
    ]
