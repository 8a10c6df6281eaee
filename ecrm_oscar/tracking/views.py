"""The beacon (``POST /ecrm/t/``) and the consent endpoint (``POST /ecrm/consent/``).

The beacon protocol is documented in docs/tracking.md. In short: a JSON object
``{"events": [{"type": ..., "product": 12, "payload": {...}}, ...]}`` (or one such event
object), at most ``ECRM_BEACON_MAX_BYTES`` of UTF-8, only event types registered with
``client=True``. The visitor and the user are always the request's own; a body naming
any user, visitor or session is refused. Answers are JSON: ``200 {"recorded": n}``, or
``{"error": code, "detail": text}`` with 400, 403, 405, 413, 415 or 429. Nothing is
stored unless the whole body is valid.

CSRF: the beacon is exempt from Django's token check, because ``navigator.sendBeacon``
cannot send the token header, and does a strict same-origin check instead: the
``Origin`` header must be this site's own origin (or listed in
``CSRF_TRUSTED_ORIGINS``); without ``Origin``, ``Sec-Fetch-Site`` must say
``same-origin``; a request with neither is refused. Browsers send ``Origin`` on every
cross-site POST, so another site cannot record events for a visitor. The consent endpoint
is an ordinary form post and keeps Django's CSRF token check.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.tracking import capture, event_types, gate
from ecrm_oscar.tracking.middleware import cookie_options

#: Field names that would let a body speak for someone else.
IDENTITY_FIELDS = frozenset(
    {"user", "user_id", "userid", "visitor", "visitor_id", "session", "session_key",
     "customer", "customer_id", "email", "channel", "created_at"}
)  # fmt: skip
EVENT_FIELDS = frozenset({"type", "product", "payload"})
JSON_TYPES = ("application/json", "text/plain")


class BeaconError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail

    def response(self) -> JsonResponse:
        return JsonResponse({"error": self.code, "detail": self.detail}, status=self.status)


def _same_origin(request: HttpRequest) -> bool:
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        own = f"{request.scheme}://{request.get_host()}"
        return origin == own or origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", ())
    return request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"


def _client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind a proxy, have the proxy (or a middleware) set it correctly."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _over_limit(key: str, limit: tuple[int, int]) -> int:
    """Count one request against ``limit`` (requests, seconds); seconds to wait, or 0."""
    count, seconds = limit
    window = int(time.time() // seconds)
    cache_key = f"ecrm:beacon:{key}:{window}"
    try:
        cache.add(cache_key, 0, seconds + 1)
        used = cache.incr(cache_key)
    except Exception:  # a cache outage must not block (or break) the page
        return 0
    if used <= count:
        return 0
    return max(1, (window + 1) * seconds - int(time.time()))


def _check_rate(request: HttpRequest) -> None:
    checks = [(f"ip:{_client_ip(request)}", conf.get("ECRM_BEACON_IP_RATE_LIMIT"))]
    if getattr(request, "ecrm_visitor_id", ""):
        checks.append((f"v:{request.ecrm_visitor_id}", conf.get("ECRM_BEACON_RATE_LIMIT")))
    for key, limit in checks:
        wait = _over_limit(key, limit)
        if wait:
            error = BeaconError(429, "rate_limited", "Too many beacon requests; slow down.")
            error.retry_after = wait  # type: ignore[attr-defined]
            raise error


def _read_body(request: HttpRequest) -> bytes:
    limit = conf.get("ECRM_BEACON_MAX_BYTES")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BeaconError(400, "invalid_length", "Content-Length is not a number.") from None
    if declared > limit:
        raise BeaconError(413, "too_large", f"The body is larger than {limit} bytes.")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BeaconError(413, "too_large", f"The body is larger than {limit} bytes.")
    return body


def _parse(body: bytes) -> list[dict[str, Any]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BeaconError(400, "invalid_encoding", "The body is not UTF-8.") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise BeaconError(400, "invalid_json", "The body is not valid JSON.") from None
    if isinstance(data, dict) and "events" in data:
        extra = set(data) - {"events"}
        if extra & IDENTITY_FIELDS:
            raise BeaconError(400, "forbidden_field", _identity_detail(extra & IDENTITY_FIELDS))
        if extra:
            raise BeaconError(400, "unknown_field", f"Unknown field(s): {sorted(extra)}.")
        events = data["events"]
    elif isinstance(data, dict):
        events = [data]
    else:
        raise BeaconError(400, "invalid_body", 'Send an object: {"events": [...]}.')
    if not isinstance(events, list) or not events:
        raise BeaconError(400, "invalid_body", '"events" must be a non-empty list.')
    maximum = conf.get("ECRM_BEACON_MAX_EVENTS")
    if len(events) > maximum:
        raise BeaconError(400, "too_many_events", f"At most {maximum} events per request.")
    return events


def _reject_constant(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _identity_detail(fields: set[str]) -> str:
    return (
        f"{', '.join(sorted(fields))}: the user and visitor are always the request's own "
        "and cannot be sent."
    )


def _validate(raw: Any, allowed_types: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BeaconError(400, "invalid_event", "Each event must be an object.")
    keys = set(raw)
    if keys & IDENTITY_FIELDS:
        raise BeaconError(400, "forbidden_field", _identity_detail(keys & IDENTITY_FIELDS))
    if keys - EVENT_FIELDS:
        raise BeaconError(400, "unknown_field", f"Unknown field(s): {sorted(keys - EVENT_FIELDS)}.")
    event_type = raw.get("type")
    if not isinstance(event_type, str) or event_type not in allowed_types:
        shown = event_type[:40] if isinstance(event_type, str) else type(event_type).__name__
        raise BeaconError(
            400,
            "unknown_type",
            f"{shown!r} is not an event type the browser may send "
            f"(allowed: {', '.join(sorted(allowed_types))}).",
        )
    product = raw.get("product")
    if product is not None and (
        not isinstance(product, int) or isinstance(product, bool) or not 0 < product < 2**63
    ):
        raise BeaconError(400, "invalid_product", "product must be a positive integer id.")
    payload = raw.get("payload", {})
    if not isinstance(payload, dict):
        raise BeaconError(400, "invalid_payload", "payload must be an object.")
    nested = {key.lower() for key in payload if isinstance(key, str)} & IDENTITY_FIELDS
    if nested:
        raise BeaconError(400, "forbidden_field", _identity_detail(nested))
    return {"type": event_type, "product": product, "payload": payload}


def _check_products(events: list[dict[str, Any]]) -> None:
    ids = {event["product"] for event in events if event["product"] is not None}
    if not ids:
        return
    product_model = get_model("catalogue", "Product")
    found = set(product_model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - found:
        raise BeaconError(400, "unknown_product", f"No product with id {min(ids - found)}.")


@csrf_exempt  # sendBeacon cannot send the CSRF header: strict same-origin check instead
@never_cache
def beacon(request: HttpRequest) -> HttpResponse:
    """Record client-side events (recommendation impressions and clicks)."""
    try:
        if request.method != "POST":
            error = BeaconError(405, "method_not_allowed", "Use POST.")
            response = error.response()
            response["Allow"] = "POST"
            return response
        if not _same_origin(request):
            raise BeaconError(403, "cross_origin", "The beacon only accepts same-origin requests.")
        content_type = request.content_type or ""
        if content_type not in JSON_TYPES:
            raise BeaconError(415, "unsupported_media_type", "Send application/json.")
        body = _read_body(request)
        _check_rate(request)
        allowed = event_types.client_types()
        events = [_validate(raw, allowed) for raw in _parse(body)]
        _check_products(events)
    except BeaconError as error:
        response = error.response()
        if hasattr(error, "retry_after"):
            response["Retry-After"] = str(error.retry_after)
        return response
    if not gate.should_track(request):
        return JsonResponse({"recorded": 0, "tracking": False})
    recorded = 0
    for event in events:
        if capture.record(
            event["type"], request=request, product=event["product"], payload=event["payload"]
        ):
            recorded += 1
    return JsonResponse({"recorded": recorded, "tracking": True})


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get(
        "x-requested-with"
    ) == "XMLHttpRequest" or "application/json" in request.headers.get("accept", "")


@never_cache
@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    """Store the visitor's answer to the consent banner (CSRF-protected form post).

    ``choice`` is ``granted`` or ``denied``; ``next`` is where to go back to (this site
    only). Denying also removes the visitor cookie.
    """
    choice = request.POST.get("choice", "")
    if choice not in (gate.GRANTED, gate.DENIED):
        return JsonResponse(
            {"error": "invalid_choice", "detail": 'choice must be "granted" or "denied".'},
            status=400,
        )
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"consent": choice})
    else:
        target = request.POST.get("next") or request.headers.get("referer") or "/"
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        response = HttpResponseRedirect(target)
    options = cookie_options()
    response.set_cookie(
        conf.get("ECRM_CONSENT_COOKIE_NAME"),
        choice,
        max_age=conf.get("ECRM_CONSENT_COOKIE_AGE"),
        **options,
    )
    if choice == gate.DENIED:
        response.delete_cookie(
            conf.get("ECRM_VISITOR_COOKIE_NAME"),
            path=options["path"],
            domain=options["domain"],
            samesite=options["samesite"],
        )
    return response
