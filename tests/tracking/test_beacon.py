"""The beacon (POST /ecrm/t/) and the consent endpoint: bad input gets a clear 4xx, never
a stored row or an error page."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ecrm_oscar.tracking import event_types as T
from ecrm_oscar.tracking.models import Event
from tests.tracking.conftest import BROWSER_UA, events

pytestmark = pytest.mark.django_db

URL = "/ecrm/t/"
ORIGIN = "http://testserver"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def send(client, body, content_type="application/json", origin=ORIGIN, **extra):
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.generic("POST", URL, body, content_type=content_type, **headers, **extra)


def impression(**fields):
    return {"type": T.RECOMMENDATION_IMPRESSION, **fields}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == code
    assert response.json()["detail"]
    assert Event.objects.count() == 0


def test_the_url_is_named():
    assert reverse("ecrm:tracking-beacon") == URL


def test_impressions_and_clicks_are_recorded(shopper, product, customer):
    body = {
        "events": [
            impression(payload={"placement": "basket", "products": [product.pk, 7, 8]}),
            {
                "type": T.RECOMMENDATION_CLICKED,
                "product": product.pk,
                "payload": {"placement": "basket", "position": 1},
            },
        ]
    }
    response = send(shopper, body)
    assert response.status_code == 200 and response.json() == {"recorded": 2, "tracking": True}
    shown, clicked = events()
    assert shown.payload == {"placement": "basket", "products": [product.pk, 7, 8]}
    assert (clicked.product, clicked.payload["position"]) == (product, 1)
    assert shown.visitor_id and shown.visitor_id == clicked.visitor_id
    assert shown.user is None
    shopper.force_login(customer)
    assert send(shopper, impression()).json()["recorded"] == 1
    assert events()[-1].user == customer  # always the request's user


def test_send_beacon_text_plain_bodies_are_accepted(shopper):
    response = send(shopper, impression(), content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200 and Event.objects.count() == 1


def test_only_client_event_types(shopper):
    assert_error(send(shopper, {"type": T.ORDER_PLACED}), 400, "unknown_type")
    assert_error(send(shopper, {"type": "made_up"}), 400, "unknown_type")
    assert_error(send(shopper, {"type": 3}), 400, "unknown_type")
    assert_error(send(shopper, {"type": "x" * 5_000}), 400, "unknown_type")
    assert len(send(shopper, {"type": "<b>" * 3000}).json()["detail"]) < 400


@pytest.mark.parametrize(
    "body",
    [
        impression(user=1),
        impression(user_id=2),
        impression(visitor_id="f" * 32),
        impression(session_key="abc"),
        impression(payload={"user_id": 2}),
        impression(payload={"Visitor": "f" * 32}),
        impression(payload={"email": "someone@example.com"}),
        {"events": [impression()], "user": 5},
    ],
)
def test_other_users_ids_are_refused(shopper, customer, body):
    assert_error(send(shopper, body), 400, "forbidden_field")


def test_unknown_fields_and_shapes(shopper):
    assert_error(send(shopper, impression(extra=1)), 400, "unknown_field")
    assert_error(send(shopper, {"events": [impression()], "more": 1}), 400, "unknown_field")
    assert_error(send(shopper, [impression()]), 400, "invalid_body")
    assert_error(send(shopper, json.dumps("just a string")), 400, "invalid_body")
    assert_error(send(shopper, {"events": []}), 400, "invalid_body")
    assert_error(send(shopper, {"events": "x"}), 400, "invalid_body")
    assert_error(send(shopper, {"events": [1]}), 400, "invalid_event")
    assert_error(send(shopper, {"events": [impression()] * 21}), 400, "too_many_events")
    assert_error(send(shopper, impression(payload=[1])), 400, "invalid_payload")


@pytest.mark.parametrize("product_id", [0, -1, "12", 1.5, True, 2**70])
def test_invalid_product_ids(shopper, product_id):
    assert_error(send(shopper, impression(product=product_id)), 400, "invalid_product")


def test_unknown_products(shopper, product):
    body = {"events": [impression(product=product.pk), impression(product=product.pk + 999)]}
    assert_error(send(shopper, body), 400, "unknown_product")


@pytest.mark.parametrize(
    "raw",
    [b"{", b"{'type': 'x'}", b" ", b"null", b'{"type": NaN}', b"[" * 1000 + b"]" * 1000],
)
def test_invalid_json(shopper, raw):
    response = send(shopper, raw)
    assert response.status_code == 400 and Event.objects.count() == 0
    assert response.json()["error"] in ("invalid_json", "invalid_body")


def test_non_utf8(shopper):
    assert_error(send(shopper, b'{"type": "\xff\xfe"}'), 400, "invalid_encoding")
    assert_error(send(shopper, json.dumps(impression()).encode("utf-16")), 400, "invalid_encoding")


def test_lone_surrogates_are_stored_clean(shopper):
    response = send(
        shopper, b'{"type": "recommendation_impression", "payload": {"p": "a\\ud800b"}}'
    )
    assert response.status_code == 200
    assert Event.objects.get().payload == {"p": "a b"}


def test_a_1mb_body_is_413(shopper):
    body = json.dumps(impression(payload={"p": "x" * 1_000_000}))
    assert_error(send(shopper, body), 413, "too_large")


def test_a_body_longer_than_its_content_length_is_not_read_beyond_the_limit(shopper, settings):
    settings.ECRM_BEACON_MAX_BYTES = 100
    body = json.dumps(impression(payload={"p": "x" * 200}))
    assert_error(send(shopper, body), 413, "too_large")
    assert_error(send(shopper, "{}", CONTENT_LENGTH="abc"), 400, "invalid_length")


def test_markup_in_payload_is_kept_as_text_and_cleaned(shopper):
    body = impression(payload={"placement": "<script>alert(1)</script>" * 40})
    assert send(shopper, body).status_code == 200
    assert len(Event.objects.get().payload["placement"]) == 200


def test_cross_origin_requests_are_refused(shopper):
    assert_error(send(shopper, impression(), origin="https://evil.example"), 403, "cross_origin")
    assert_error(send(shopper, impression(), origin="null"), 403, "cross_origin")
    assert_error(send(shopper, impression(), origin=None), 403, "cross_origin")
    assert_error(
        send(shopper, impression(), origin=None, HTTP_SEC_FETCH_SITE="cross-site"),
        403,
        "cross_origin",
    )
    response = send(shopper, impression(), origin=None, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 200


def test_trusted_origins(shopper, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://shop.example"]
    assert send(shopper, impression(), origin="https://shop.example").status_code == 200


def test_csrf_token_is_not_needed_but_the_origin_is(product):
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER_UA)
    assert send(client, impression()).status_code == 200


def test_other_methods_and_content_types(shopper):
    response = shopper.get(URL)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert_error(
        send(shopper, "type=x", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )


def test_rate_limit_per_visitor(shopper, settings):
    settings.ECRM_BEACON_RATE_LIMIT = (3, 60)
    statuses = [send(shopper, impression()).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = send(shopper, impression())
    assert response.json()["error"] == "rate_limited" and 0 < int(response["Retry-After"]) <= 60
    assert Event.objects.count() == 3
    other = Client(HTTP_USER_AGENT=BROWSER_UA)  # another visitor, same address
    assert send(other, impression()).status_code == 200


def test_rate_limit_per_address_cannot_be_dodged_with_new_cookies(settings):
    settings.ECRM_BEACON_IP_RATE_LIMIT = (4, 60)
    statuses = [
        send(Client(HTTP_USER_AGENT=BROWSER_UA), impression()).status_code for _ in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]


@pytest.mark.parametrize(
    "extra", [{"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}, {"HTTP_USER_AGENT": "Googlebot/2.1"}]
)
def test_opted_out_visitors_are_answered_but_not_recorded(extra):
    client = Client(**{"HTTP_USER_AGENT": BROWSER_UA, **extra})
    response = send(client, impression())
    assert response.status_code == 200 and response.json() == {"recorded": 0, "tracking": False}
    assert Event.objects.count() == 0
    assert_error(send(client, {"type": T.ORDER_PLACED}), 400, "unknown_type")  # still validated


# --- consent ---------------------------------------------------------------------------


@pytest.fixture
def consent_mode(settings):
    settings.ECRM_TRACKING_MODE = "consent"


def test_consent_flow(consent_mode, product):
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER_UA)
    page = client.get(product.get_absolute_url())
    html = page.content.decode()
    assert 'id="ecrm-consent"' in html and 'name="choice" value="granted"' in html
    assert "ecrm/tracking/beacon.js" in html
    assert "ecrm_vid" not in page.cookies and Event.objects.count() == 0
    token = page.cookies["csrftoken"].value
    # the consent form is CSRF-protected
    forged = client.post("/ecrm/consent/", {"choice": "granted"})
    assert forged.status_code == 403 and "ecrm_consent" not in forged.cookies
    response = client.post(
        "/ecrm/consent/",
        {"choice": "granted", "next": product.get_absolute_url(), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    cookie = response.cookies["ecrm_consent"]
    assert cookie.value == "granted" and cookie["httponly"] and int(cookie["max-age"]) > 0
    page = client.get(product.get_absolute_url())
    assert 'id="ecrm-consent"' not in page.content.decode()
    assert "ecrm_vid" in page.cookies
    assert [e.type for e in events()] == [T.PRODUCT_VIEWED]
    # changing one's mind removes the visitor cookie and stops tracking
    response = client.post(
        "/ecrm/consent/",
        {"choice": "denied", "csrfmiddlewaretoken": token},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"consent": "denied"}
    assert response.cookies["ecrm_vid"]["max-age"] == 0
    client.get(product.get_absolute_url())
    assert Event.objects.count() == 1


def test_consent_redirects_only_to_this_site(consent_mode, shopper):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = shopper.post("/ecrm/consent/", {"choice": "granted", "next": target})
        assert response["Location"] == "/"


def test_consent_rejects_other_answers(shopper):
    response = shopper.post("/ecrm/consent/", {"choice": "<b>yes</b>"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_choice"
    assert shopper.get("/ecrm/consent/").status_code == 405


def test_the_banner_is_not_shown_to_opted_out_browsers_or_in_other_modes(
    consent_mode, product, settings
):
    page = Client(HTTP_USER_AGENT=BROWSER_UA, HTTP_SEC_GPC="1").get(product.get_absolute_url())
    assert 'id="ecrm-consent"' not in page.content.decode()
    settings.ECRM_TRACKING_MODE = "all"
    page = Client(HTTP_USER_AGENT=BROWSER_UA).get(product.get_absolute_url())
    assert 'id="ecrm-consent"' not in page.content.decode()
    assert "ecrm/tracking/beacon.js" in page.content.decode()
    settings.ECRM_TRACKING_MODE = "off"
    page = Client(HTTP_USER_AGENT=BROWSER_UA).get(product.get_absolute_url())
    assert "ecrm/tracking/beacon.js" not in page.content.decode()
