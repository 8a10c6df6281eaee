"""The visitor cookie: signed, first-party, refreshed rarely, tampering never an error."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from ecrm_oscar.tracking import middleware
from ecrm_oscar.tracking.middleware import VisitorMiddleware, read_visitor_cookie
from ecrm_oscar.tracking.models import Event
from tests.tracking.conftest import BROWSER_UA

COOKIE = "ecrm_vid"
rf = RequestFactory()


def run(request, view=lambda request: HttpResponse("ok")):
    seen = {}

    def get_response(request):
        seen["visitor_id"] = request.ecrm_visitor_id
        seen["current"] = middleware.current_request()
        return view(request)

    response = VisitorMiddleware(get_response)(request)
    return response, seen


def browser(**extra):
    return rf.get("/", **{"HTTP_USER_AGENT": BROWSER_UA, **extra})


def test_a_new_visitor_gets_a_signed_httponly_cookie():
    response, seen = run(browser())
    visitor_id = seen["visitor_id"]
    assert len(visitor_id) == 32 and int(visitor_id, 16) >= 0
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    assert visitor_id in cookie.value and cookie.value != visitor_id  # signed
    assert read_visitor_cookie(cookie.value)[0] == visitor_id
    assert seen["current"] is not None and middleware.current_request() is None


def test_a_returning_visitor_keeps_the_id_without_a_new_cookie():
    first, seen = run(browser())
    request = browser()
    request.COOKIES[COOKIE] = first.cookies[COOKIE].value
    response, again = run(request)
    assert again["visitor_id"] == seen["visitor_id"]
    assert COOKIE not in response.cookies  # no Set-Cookie on every page


def test_the_cookie_is_refreshed_once_a_day(monkeypatch):
    value = middleware.sign_visitor_id("b" * 32)
    later = time.time() + middleware.RENEW_AFTER + 60
    monkeypatch.setattr(time, "time", lambda: later)
    request = browser()
    request.COOKIES[COOKIE] = value
    response, seen = run(request)
    assert seen["visitor_id"] == "b" * 32
    assert read_visitor_cookie(response.cookies[COOKIE].value)[0] == "b" * 32


class _OldSigner(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 2 * 365 * 24 * 3600)


BAD_COOKIES = {
    "garbage": lambda: "garbage",
    "empty": lambda: "",
    "huge": lambda: "a" * 5000,
    "control characters": lambda: "\u00e9\u0000;=,",
    "unsigned id": lambda: "b" * 32,
    "another key": lambda: signing.TimestampSigner(key="k" * 50, salt=middleware.SALT).sign(
        "c" * 32
    ),
    "another salt": lambda: signing.TimestampSigner(salt="another.salt").sign("c" * 32),
    "tampered": lambda: middleware.sign_visitor_id("c" * 32).replace("c" * 32, "d" * 32),
    "expired": lambda: _OldSigner(salt=middleware.SALT).sign("c" * 32),
    "signed markup": lambda: middleware.sign_visitor_id("<script>alert(1)</script>"),
}


@pytest.mark.parametrize("make_cookie", BAD_COOKIES.values(), ids=BAD_COOKIES.keys())
def test_a_tampered_or_garbage_cookie_gets_a_fresh_id(make_cookie):
    response, seen = run(_with_cookie(make_cookie()))
    assert response.status_code == 200
    assert len(seen["visitor_id"]) == 32
    assert seen["visitor_id"] not in ("b" * 32, "c" * 32, "d" * 32)
    assert read_visitor_cookie(response.cookies[COOKIE].value)[0] == seen["visitor_id"]


def _with_cookie(value):
    request = browser()
    request.COOKIES[COOKIE] = value
    return request


@pytest.mark.parametrize(
    "extra", [{"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}, {"HTTP_USER_AGENT": "Googlebot/2.1"}]
)
def test_untracked_requests_get_no_identity_and_no_cookie(extra):
    response, seen = run(browser(**extra))
    assert seen["visitor_id"] == ""
    assert COOKIE not in response.cookies


def test_consent_mode_gives_no_identity_before_consent(settings):
    settings.ECRM_TRACKING_MODE = "consent"
    response, seen = run(browser())
    assert seen["visitor_id"] == "" and COOKIE not in response.cookies
    request = browser()
    request.COOKIES["ecrm_consent"] = "granted"
    response, seen = run(request)
    assert seen["visitor_id"] and COOKIE in response.cookies


def test_cookie_settings(settings):
    settings.ECRM_VISITOR_COOKIE_NAME = "vid"
    settings.ECRM_VISITOR_COOKIE_AGE = 3600
    settings.ECRM_VISITOR_COOKIE_DOMAIN = ".example.com"
    settings.ECRM_VISITOR_COOKIE_SAMESITE = "Strict"
    settings.SESSION_COOKIE_SECURE = True
    response, _ = run(browser())
    cookie = response.cookies["vid"]
    assert (cookie["max-age"], cookie["domain"], cookie["samesite"]) == (
        3600,
        ".example.com",
        "Strict",
    )
    assert cookie["secure"]
    settings.ECRM_VISITOR_COOKIE_SECURE = False
    assert not run(browser())[0].cookies["vid"]["secure"]


@pytest.mark.django_db
def test_identity_costs_no_query_and_no_session(client, django_assert_num_queries):
    from ecrm_oscar.dashboard import switches

    switches.values()  # the owner's switches: one read per process, then cached
    request = browser()
    with django_assert_num_queries(0):
        response, seen = run(request)
    assert seen["visitor_id"]
    # Through the whole stack: the cookie arrives, no session row is created.
    response = client.get("/ecrm/health/", HTTP_USER_AGENT=BROWSER_UA)
    assert COOKIE in response.cookies
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0 and Event.objects.count() == 0


def test_an_identity_failure_is_not_an_error(monkeypatch, caplog):
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(middleware, "identify", broken)
    response, seen = run(browser())
    assert response.status_code == 200 and seen["visitor_id"] == ""
    assert "could not identify the visitor" in caplog.text
