"""System checks of the tracking app (ids ecrm.E1xx / ecrm.W1xx; listed in docs/checks.md).

Registered by the app's ``ready()``, so they run only when ``ecrm_oscar.tracking`` is
installed.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from ecrm_oscar import conf
from ecrm_oscar.tracking import gate, services

MIDDLEWARE = "ecrm_oscar.tracking.middleware.VisitorMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


@register()
def check_tracking_mode(app_configs, **kwargs):
    """ecrm.E101: ECRM_TRACKING_MODE must be "all", "consent" or "off"."""
    value = conf.get("ECRM_TRACKING_MODE")
    if value in gate.MODES:
        return []
    return [
        Error(
            f"ECRM_TRACKING_MODE is {value!r}; nothing is tracked until it is fixed.",
            hint='Use "all", "consent" or "off" (docs/tracking.md).',
            id="ecrm.E101",
        )
    ]


@register()
def check_middleware(app_configs, **kwargs):
    """ecrm.E102: tracking is on but VisitorMiddleware is not installed.
    ecrm.W101: it comes before AuthenticationMiddleware."""
    if gate.configured_mode() == "off":
        return []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE not in middleware:
        return [
            Error(
                "Tracking is on but VisitorMiddleware is not in MIDDLEWARE: events would "
                "have no visitor, basket changes and category views would be missed, and "
                "every event would cost its own INSERT.",
                hint=f'Add "{MIDDLEWARE}" after "{AUTH_MIDDLEWARE}", '
                'or set ECRM_TRACKING_MODE = "off".',
                id="ecrm.E102",
            )
        ]
    if AUTH_MIDDLEWARE in middleware and middleware.index(MIDDLEWARE) < middleware.index(
        AUTH_MIDDLEWARE
    ):
        return [
            Warning(
                "VisitorMiddleware comes before AuthenticationMiddleware.",
                hint=f'Move "{MIDDLEWARE}" after "{AUTH_MIDDLEWARE}", so the events it '
                "writes at the end of a login request belong to the account.",
                id="ecrm.W101",
            )
        ]
    return []


@register()
def check_retention(app_configs, **kwargs):
    """ecrm.E103: retention days or mode are invalid."""
    errors = []
    days = conf.get("ECRM_TRACKING_RETENTION_DAYS")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
        errors.append(
            Error(
                f"ECRM_TRACKING_RETENTION_DAYS is {days!r}.",
                hint="A whole number of days (at least 1), or None to keep events for ever.",
                id="ecrm.E103",
            )
        )
    mode = conf.get("ECRM_TRACKING_RETENTION_MODE")
    if mode not in services.RETENTION_MODES:
        errors.append(
            Error(
                f"ECRM_TRACKING_RETENTION_MODE is {mode!r}.",
                hint='Use "anonymise" or "purge".',
                id="ecrm.E103",
            )
        )
    return errors


@register()
def check_bot_patterns(app_configs, **kwargs):
    """ecrm.E104: a bot pattern is not a valid regular expression."""
    patterns = conf.get("ECRM_TRACKING_BOT_PATTERNS")
    if patterns is None:
        return []
    if isinstance(patterns, str) or not all(isinstance(p, str) for p in patterns):
        return [
            Error(
                "ECRM_TRACKING_BOT_PATTERNS must be a list of regular expressions.",
                hint='For example ["bot\\\\b", "crawl"]; None uses the built-in list.',
                id="ecrm.E104",
            )
        ]
    errors = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors.append(
                Error(
                    f"ECRM_TRACKING_BOT_PATTERNS: {pattern!r} is not a regular expression ({exc}).",
                    hint="Fix or remove the pattern.",
                    id="ecrm.E104",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_cookie_security(app_configs, **kwargs):
    """ecrm.W102 (``check --deploy``): the visitor cookie would travel over plain HTTP."""
    secure = conf.get("ECRM_VISITOR_COOKIE_SECURE")
    effective = settings.SESSION_COOKIE_SECURE if secure is None else secure
    if settings.DEBUG or effective or gate.configured_mode() == "off":
        return []
    return [
        Warning(
            "The visitor and consent cookies are not marked Secure while DEBUG is off.",
            hint="Set SESSION_COOKIE_SECURE = True (served over HTTPS) or "
            "ECRM_VISITOR_COOKIE_SECURE = True.",
            id="ecrm.W102",
        )
    ]
