"""Whether a request may be tracked: the legal mode, the visitor's signals, bots.

``should_track(request)`` is the one answer every part of tracking uses (``capture.record``,
the visitor cookie, the beacon). A request is tracked when all of these hold:

- ``ECRM_TRACKING_MODE`` is ``"all"``, or ``"consent"`` and the visitor accepted the
  consent banner (the ``ECRM_CONSENT_COOKIE_NAME`` cookie is ``granted``);
- it carries neither ``DNT: 1`` (Do Not Track) nor ``Sec-GPC: 1`` (Global Privacy
  Control), whatever the mode and whatever the consent cookie says;
- its User-Agent is present and matches none of the bot patterns
  (``ECRM_TRACKING_BOT_PATTERNS``, default :data:`DEFAULT_BOT_PATTERNS`);
- it is not a ``HEAD`` request nor a browser prefetch (``Sec-Purpose``/``Purpose``).
"""

from __future__ import annotations

import contextlib
import functools
import re

from django.http import HttpRequest

from ecrm_oscar import conf

MODES = ("all", "consent", "off")
GRANTED, DENIED = "granted", "denied"

#: Searched (case-insensitively) in the User-Agent. Crawlers name themselves "bot",
#: "crawler" or "spider"; link previews, monitors, headless browsers and HTTP libraries
#: are recognisable by name. A request without a User-Agent is treated as a bot too.
DEFAULT_BOT_PATTERNS: tuple[str, ...] = (
    r"bot\b",
    r"crawl",
    r"spider",
    r"slurp",
    r"archiver",
    r"facebookexternalhit",
    r"preview",
    r"headless",
    r"lighthouse",
    r"pingdom",
    r"uptime",
    r"monitor",
    r"^curl/",
    r"^wget/",
    r"python-requests",
    r"python-urllib",
    r"aiohttp",
    r"httpx",
    r"go-http-client",
    r"^java/",
    r"okhttp",
    r"apache-httpclient",
    r"libwww",
    r"scrapy",
    r"phantomjs",
)


def mode() -> str:
    """The effective tracking mode: "off" when the owner switched tracking off for the site,
    else the owner's mode, else ``ECRM_TRACKING_MODE`` (an invalid value counts as "off";
    see ecrm.E101)."""
    switches = _switches()
    if switches is not None:
        if not switches.is_enabled("tracking"):
            return "off"
        chosen = switches.setting("tracking_mode")
        if chosen:
            return chosen if chosen in MODES else "off"
    return configured_mode()


def configured_mode() -> str:
    """``ECRM_TRACKING_MODE`` alone (system checks judge the configuration, not the DB)."""
    value = conf.get("ECRM_TRACKING_MODE")
    return value if value in MODES else "off"


def _switches():
    """The console's switches module, when the dashboard app is installed."""
    from django.apps import apps

    if not apps.is_installed("ecrm_oscar.dashboard"):
        return None
    from ecrm_oscar.dashboard import switches

    return switches


@functools.lru_cache(maxsize=8)
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


def bot_pattern() -> re.Pattern[str]:
    patterns = conf.get("ECRM_TRACKING_BOT_PATTERNS")
    return _compile(tuple(DEFAULT_BOT_PATTERNS if patterns is None else patterns))


def is_bot(user_agent: str | None) -> bool:
    """True for a missing User-Agent or one that matches a bot pattern."""
    if not user_agent or not user_agent.strip():
        return True
    patterns = conf.get("ECRM_TRACKING_BOT_PATTERNS")
    if patterns is not None and not patterns:
        return False
    return bot_pattern().search(user_agent[:512]) is not None


def opted_out(request: HttpRequest) -> bool:
    """The browser sends Do Not Track or Global Privacy Control."""
    meta = request.META
    return meta.get("HTTP_DNT", "").strip() == "1" or meta.get("HTTP_SEC_GPC", "").strip() == "1"


def consent(request: HttpRequest) -> str | None:
    """The visitor's answer to the consent banner: "granted", "denied" or None (not asked)."""
    value = request.COOKIES.get(conf.get("ECRM_CONSENT_COOKIE_NAME"))
    return value if value in (GRANTED, DENIED) else None


def _prefetch(request: HttpRequest) -> bool:
    meta = request.META
    purpose = meta.get("HTTP_SEC_PURPOSE") or meta.get("HTTP_PURPOSE") or meta.get("HTTP_X_MOZ")
    return bool(purpose) and "prefetch" in purpose.lower()


def should_track(request: HttpRequest | None) -> bool:
    """May this request's visitor be tracked? (Computed once per request and mode.)"""
    if request is None:
        return False
    current_mode = mode()
    cached = getattr(request, "_ecrm_should_track", None)
    if cached is not None and cached[0] == current_mode:
        return cached[1]
    allowed = (
        current_mode != "off"
        and request.method != "HEAD"
        and not opted_out(request)
        and not is_bot(request.META.get("HTTP_USER_AGENT"))
        and not _prefetch(request)
        and (current_mode == "all" or consent(request) == GRANTED)
    )
    with contextlib.suppress(AttributeError):  # an immutable stand-in for a request
        request._ecrm_should_track = (current_mode, allowed)
    return allowed


def banner_needed(request: HttpRequest | None) -> bool:
    """Show the consent banner: consent mode, not answered yet, no opt-out signal."""
    if request is None or mode() != "consent":
        return False
    return consent(request) is None and not opted_out(request)
