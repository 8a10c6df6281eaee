"""Signed links in automation emails: unsubscribe, preferences, opens, clicks, survey, basket.

Each kind has its own salt, so a token made for one purpose is refused by every other
endpoint, and every token expires (``ECRM_AUTOMATION_LINK_MAX_AGE_DAYS``). A token names
the message (and what the link does); editing any part of it — another shopper's message
id, another target — breaks the signature.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core import signing
from django.utils.http import url_has_allowed_host_and_scheme

from ecrm_oscar import conf

SALT = "ecrm.automation.{}"


class InvalidToken(Exception):
    """The link was tampered with, made for another purpose, or is garbage."""


class ExpiredToken(InvalidToken):
    """The link was genuine but is older than ECRM_AUTOMATION_LINK_MAX_AGE_DAYS."""


def make(kind: str, **payload: Any) -> str:
    return signing.dumps(payload, salt=SALT.format(kind), compress=True)


def read(kind: str, token: str) -> dict[str, Any]:
    """The payload of a genuine, unexpired token of ``kind``; raises InvalidToken."""
    max_age = conf.get("ECRM_AUTOMATION_LINK_MAX_AGE_DAYS") * 24 * 3600
    try:
        payload = signing.loads(token, salt=SALT.format(kind), max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredToken(str(exc)) from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
    if not isinstance(payload, dict):
        raise InvalidToken("not a link payload")
    return payload


def safe_target(target: str, host: str) -> bool:
    """True for a path on this shop, or an http(s) URL on this host or an allowed host.

    Refuses scheme-relative (``//evil.com``), backslash tricks, ``javascript:`` and any
    other host, so a click link can never become an open redirect.
    """
    if not target or not isinstance(target, str):
        return False
    allowed = {host, *conf.get("ECRM_AUTOMATION_ALLOWED_REDIRECT_HOSTS")}
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=allowed):
        return False
    parts = urlsplit(target)
    return parts.scheme in ("", "http", "https")
