"""``VisitorMiddleware``: the visitor's first-party identity and the request's events.

Put it after ``AuthenticationMiddleware`` (it does not need the session)::

    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecrm_oscar.tracking.middleware.VisitorMiddleware",

For every request it

- sets ``request.ecrm_visitor_id``: the id in the signed visitor cookie
  (``ECRM_VISITOR_COOKIE_*``), a fresh one when the cookie is missing, expired, tampered
  with or garbage (never an error), or ``""`` when the request may not be tracked
  (``gate.should_track``: mode, consent, Do Not Track, Global Privacy Control, bots). The
  cookie is only set on a response when it is new or more than a day old, so cached
  pages rarely carry a ``Set-Cookie``; creating an id writes nothing to the database and
  never creates a session;
- collects the events recorded while the request is handled and writes them in one
  ``INSERT`` after the response has been sent: Django calls ``response.close()`` once
  the WSGI server has passed the response on (PEP 3333), so the shopper does not wait
  for the write (the test client closes responses too, so tests see the rows);
- records category views (Oscar has no signal for them) and adds the result count to
  searches, from the context of the ``TemplateResponse`` Oscar's views return, without a
  query of its own.

``current_request()`` gives receivers that are not handed the request (basket line
saves, voucher signals) the request being handled.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from ecrm_oscar import conf
from ecrm_oscar.tracking import capture, event_types, gate

logger = logging.getLogger("ecrm.tracking")

_current_request: ContextVar[HttpRequest | None] = ContextVar("ecrm_tracking_request", default=None)

SALT = "ecrm.tracking.visitor"
#: A valid cookie is sent again (with a fresh expiry) once it is older than this.
RENEW_AFTER = 24 * 3600
_VISITOR_ID = re.compile(r"[0-9a-f]{32}")

#: Oscar's category page (``catalogue:category``): a category view is recorded when it
#: answers 200 with a ``category`` in its context.
CATEGORY_VIEW_NAMES = frozenset({"catalogue:category"})


def current_request() -> HttpRequest | None:
    """The request ``VisitorMiddleware`` is handling in this thread, if any."""
    return _current_request.get()


def new_visitor_id() -> str:
    return uuid.uuid4().hex


def read_visitor_cookie(value: str | None) -> tuple[str | None, float]:
    """(visitor id, age in seconds) from the signed cookie value, or (None, 0)."""
    if not value or len(value) > 200:
        return None, 0.0
    signer = signing.TimestampSigner(salt=SALT)
    try:
        visitor_id = signer.unsign(value, max_age=conf.get("ECRM_VISITOR_COOKIE_AGE"))
        timestamp = signing.b62_decode(value.rsplit(signer.sep, 2)[-2])
    except (signing.BadSignature, ValueError, TypeError, IndexError):
        return None, 0.0
    if not _VISITOR_ID.fullmatch(visitor_id):
        return None, 0.0
    return visitor_id, max(0.0, time.time() - timestamp)


def sign_visitor_id(visitor_id: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign(visitor_id)


def cookie_options() -> dict:
    """Domain, path, Secure and SameSite shared by the visitor and consent cookies."""
    secure = conf.get("ECRM_VISITOR_COOKIE_SECURE")
    return {
        "domain": conf.get("ECRM_VISITOR_COOKIE_DOMAIN"),
        "path": conf.get("ECRM_VISITOR_COOKIE_PATH"),
        "secure": settings.SESSION_COOKIE_SECURE if secure is None else bool(secure),
        "samesite": conf.get("ECRM_VISITOR_COOKIE_SAMESITE"),
        "httponly": True,
    }


def identify(request: HttpRequest) -> str | None:
    """Set ``request.ecrm_visitor_id``; return the id when the cookie must be (re)sent."""
    if not gate.should_track(request):
        request.ecrm_visitor_id = ""
        return None
    visitor_id, age = read_visitor_cookie(request.COOKIES.get(conf.get("ECRM_VISITOR_COOKIE_NAME")))
    if visitor_id is None:
        visitor_id = new_visitor_id()
        request.ecrm_visitor_id = visitor_id
        return visitor_id
    request.ecrm_visitor_id = visitor_id
    return visitor_id if age > RENEW_AFTER else None


def set_visitor_cookie(response: HttpResponse, visitor_id: str) -> None:
    response.set_cookie(
        conf.get("ECRM_VISITOR_COOKIE_NAME"),
        sign_visitor_id(visitor_id),
        max_age=conf.get("ECRM_VISITOR_COOKIE_AGE"),
        **cookie_options(),
    )


def _result_count(context: dict) -> int | None:
    paginator = context.get("paginator")
    if paginator is None and context.get("page_obj") is not None:
        paginator = getattr(context["page_obj"], "paginator", None)
    count = getattr(paginator, "count", None)
    return count if isinstance(count, int) else None


def enrich(request: HttpRequest, response: HttpResponse) -> None:
    """Category views and search result counts, from a TemplateResponse's context."""
    context = getattr(response, "context_data", None)
    if not context or response.status_code != 200 or not gate.should_track(request):
        return
    search = getattr(request, "_ecrm_search_event", None)
    if search is not None and search.pk is None and search.value is None:
        count = _result_count(context)
        if count is not None:
            search.value = count
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in CATEGORY_VIEW_NAMES:
        category = context.get("category")
        if getattr(category, "pk", None) is not None:
            capture.record(
                event_types.CATEGORY_VIEWED,
                request=request,
                category=category,
                value=_result_count(context),
            )


class VisitorMiddleware:
    """See the module docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            cookie_id = identify(request)
        except Exception:  # identity must never cost the shopper the page
            logger.exception("django-ecrm could not identify the visitor")
            request.ecrm_visitor_id, cookie_id = "", None
        token = _current_request.set(request)
        try:
            with capture.collecting() as events:
                response = self.get_response(request)
        finally:
            _current_request.reset(token)
        if events:
            closers = getattr(response, "_resource_closers", None)
            if isinstance(closers, list):  # run by response.close(), after sending
                closers.append(functools.partial(capture.flush_safely, events, request))
            else:  # pragma: no cover - a response class without closers
                capture.flush_safely(events, request)
        if cookie_id and request.ecrm_visitor_id == cookie_id:
            name = conf.get("ECRM_VISITOR_COOKIE_NAME")
            if name not in response.cookies:  # the consent view may have removed it
                set_visitor_cookie(response, cookie_id)
        return response

    def process_template_response(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        try:
            enrich(request, response)
        except Exception:
            if not conf.get("ECRM_SAFE_RECEIVERS"):
                raise
            logger.exception("django-ecrm could not record from the page's context")
        return response
