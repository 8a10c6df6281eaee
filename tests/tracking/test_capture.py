"""capture.record: the gate (modes, DNT, GPC, bots), cleaning, writing, failure handling."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ecrm_oscar.tracking import capture, event_types, gate, sanitize
from ecrm_oscar.tracking.abstract_models import AppendOnlyError
from ecrm_oscar.tracking.models import Event
from ecrm_oscar.tracking.signals import events_recorded
from tests.tracking.conftest import BROWSER_UA, events

rf = RequestFactory()


def browser_request(**headers):
    request = rf.get("/", **{"HTTP_USER_AGENT": BROWSER_UA, **headers})
    request.ecrm_visitor_id = "a" * 32
    return request


# --- the gate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "   ",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Wget/1.21.4",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; YandexSpider/3.0)",
        "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
    ],
)
def test_bots_are_recognised(user_agent):
    assert gate.is_bot(user_agent)


@pytest.mark.parametrize(
    "user_agent",
    [
        BROWSER_UA,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.6478.71 Mobile Safari/537.36",
    ],
)
def test_browsers_are_not_bots(user_agent):
    assert not gate.is_bot(user_agent)


def test_bot_patterns_are_a_setting(settings):
    settings.ECRM_TRACKING_BOT_PATTERNS = [r"firefox"]
    assert gate.is_bot("Mozilla/5.0 Gecko/20100101 Firefox/127.0")
    assert not gate.is_bot("curl/8.5.0")
    settings.ECRM_TRACKING_BOT_PATTERNS = []
    assert not gate.is_bot("Googlebot/2.1")
    assert gate.is_bot("")  # no User-Agent at all is never a browser


@pytest.mark.parametrize(
    ("mode", "headers", "consent", "tracked"),
    [
        ("all", {}, None, True),
        ("all", {"HTTP_DNT": "1"}, None, False),
        ("all", {"HTTP_SEC_GPC": "1"}, None, False),
        ("all", {"HTTP_DNT": "0"}, None, True),
        ("all", {}, "denied", True),  # "all" does not ask
        ("consent", {}, None, False),
        ("consent", {}, "denied", False),
        ("consent", {}, "granted", True),
        ("consent", {}, "maybe", False),
        ("consent", {"HTTP_DNT": "1"}, "granted", False),  # the browser's signal wins
        ("consent", {"HTTP_SEC_GPC": "1"}, "granted", False),
        ("off", {}, "granted", False),
        ("all", {"HTTP_SEC_PURPOSE": "prefetch;prerender"}, None, False),
        ("nonsense", {}, None, False),  # an invalid mode tracks nothing (and ecrm.E101)
    ],
)
def test_gate(settings, mode, headers, consent, tracked):
    settings.ECRM_TRACKING_MODE = mode
    request = browser_request(**headers)
    if consent:
        request.COOKIES["ecrm_consent"] = consent
    assert gate.should_track(request) is tracked


def test_head_requests_are_not_tracked():
    request = rf.head("/", HTTP_USER_AGENT=BROWSER_UA)
    assert not gate.should_track(request)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [{"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}, {"HTTP_USER_AGENT": "Googlebot/2.1"}],
)
def test_record_refuses_opted_out_and_bot_requests(headers):
    request = browser_request(**headers)
    assert capture.record(event_types.PAGE_VIEWED, request=request) is None
    assert events() == []


@pytest.mark.django_db
def test_record_without_a_request_only_stops_when_tracking_is_off(settings):
    assert capture.record(event_types.ORDER_STATUS_CHANGED) is not None
    settings.ECRM_TRACKING_MODE = "consent"
    assert capture.record(event_types.ORDER_STATUS_CHANGED) is not None
    settings.ECRM_TRACKING_MODE = "off"
    assert capture.record(event_types.ORDER_STATUS_CHANGED) is None
    assert len(events()) == 2


# --- what is stored --------------------------------------------------------------------


@pytest.mark.django_db
def test_record_takes_identity_from_the_request(customer):
    request = browser_request()
    request.user = customer
    event = capture.record(event_types.PAGE_VIEWED, request=request, payload={"page": 3})
    event.refresh_from_db()
    assert (event.user, event.visitor_id, event.channel) == (customer, "a" * 32, "web")
    assert event.payload == {"page": 3}


@pytest.mark.django_db
def test_strings_are_cleaned_and_truncated():
    query = "<script>alert('x')</script>" + "\x00\u202e" + "mug " * 5000
    event = capture.record(
        event_types.SEARCHED, query=query, visitor_id="v" * 100, payload={"s": "x" * 10_000}
    )
    event.refresh_from_db()
    assert len(event.query) <= 200 and event.query.startswith("<script>alert('x')</script> mug")
    assert "\x00" not in event.query and "\u202e" not in event.query
    assert len(event.visitor_id) == 36
    assert len(event.payload["s"]) == 200


def test_unknown_types_and_channels_are_programming_errors():
    with pytest.raises(capture.UnknownEventType):
        capture.record("no_such_type")
    with pytest.raises(ValueError, match="channel"):
        capture.record(event_types.PAGE_VIEWED, channel="carrier-pigeon")


@pytest.mark.django_db
def test_value_is_a_bounded_decimal():
    assert capture.record(event_types.ORDER_PLACED, value=Decimal("12.345")).value == Decimal(
        "12.35"
    )
    assert capture.record(event_types.ORDER_PLACED, value=float("nan")).value is None
    assert capture.record(event_types.ORDER_PLACED, value=10**20).value is None
    assert capture.record(event_types.ORDER_PLACED, value="lots").value is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe+shop@example.co.uk please", "write to [email] please"),
        ("call +44 20 7946 0958", "call [phone]"),
        ("call 07911 123456 or (020) 7946-0958", "call [phone] or [phone]"),
        ("call 07911123456", "call [phone]"),
        ("card 4111 1111 1111 1111", "card [card]"),
        ("card 4111-1111-1111-1111!", "card [card]!"),
        ("iban GB82 WEST 1234 5698 7654 32", "iban [iban]"),
        # not personal: barcodes, stock codes, dates, prices, sizes
        ("EAN 5012345678900", "EAN 5012345678900"),
        ("gtin 05012345678900", "gtin 05012345678900"),
        ("stock code 85123A", "stock code 85123A"),
        ("placed 2011-12-09", "placed 2011-12-09"),
        ("10 x 20 x 30 cm for 12.50", "10 x 20 x 30 cm for 12.50"),
        ("order 100000123", "order 100000123"),
    ],
)
def test_personal_data_is_redacted(text, expected):
    assert sanitize.redact(text) == expected


def test_payload_rule():
    payload = {
        "email": "a@b.co",
        "customerEmail": "a@b.co",
        "first_name": "Jane",
        "shipping_address": "1 High St",
        "ip": "203.0.113.9",
        "user_id": 7,
        "note": "ring jane@example.com",
        "placement": "basket",
        "products": list(range(100)),
        "nested": {"deep": {"deeper": {"deepest": 1}}, "phone": "+44 20 7946 0958"},
        "when": Decimal("1.50"),
        "object": object(),
        7: "non-string key",
    }
    cleaned = sanitize.clean_payload(payload)
    assert cleaned == {
        "note": "ring [email]",
        "placement": "basket",
        "products": list(range(50)),
        "nested": {"deep": {}},  # three levels of objects at most
        "when": "1.50",
    }


def test_payload_size_limit():
    payload = {f"k{i}": "x" * 150 for i in range(20)}
    cleaned = sanitize.clean_payload(payload, max_bytes=1000)
    assert cleaned["_truncated"] is True
    assert len(json.dumps(cleaned, separators=(",", ":")).encode()) <= 1000
    assert list(cleaned)[:2] == ["k0", "k1"]  # the first keys are kept


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=60,
    )
)
def test_any_payload_becomes_small_clean_json(value):
    cleaned = sanitize.clean_payload({"v": value, "w": value}, max_bytes=2048)
    # measured as Django's JSONField writes it
    assert len(json.dumps(cleaned, allow_nan=False).encode()) <= 2048
    encoded = json.dumps(cleaned, ensure_ascii=False, allow_nan=False).encode("utf-8")
    assert "\x00" not in encoded.decode()


@given(st.text(max_size=3000))
def test_any_text_becomes_a_short_clean_line(text):
    cleaned = sanitize.clean_query(text)
    assert len(cleaned) <= 200
    cleaned.encode("utf-8")  # no lone surrogates (PostgreSQL refuses them)
    assert not any(ord(char) < 32 for char in cleaned)


# --- writing ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_outside_a_request_each_event_is_written_at_once():
    event = capture.record(event_types.EMAIL_OPENED, channel="email")
    assert event.pk is not None and Event.objects.get().channel == "email"


@pytest.mark.django_db
def test_batch_writes_once_at_the_end(django_assert_num_queries):
    received = []

    def receiver(sender, events, **kwargs):
        received.append([event.pk for event in events])

    events_recorded.connect(receiver)
    try:
        with capture.batch() as collected:
            for _ in range(3):
                assert capture.record(event_types.EMAIL_OPENED).pk is None
            assert Event.objects.count() == 0
        assert len(collected) == 3 and Event.objects.count() == 3
    finally:
        events_recorded.disconnect(receiver)
    assert received == [[event.pk for event in events()]]


@pytest.mark.django_db
def test_events_are_append_only():
    event = capture.record(event_types.EMAIL_OPENED)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.fixture
def failing_event_writes():
    """Every statement that writes the event table fails in the database itself: it is
    sent to a table that does not exist, so the driver raises and (on PostgreSQL) the
    transaction is aborted unless a savepoint protects it."""

    def execute(run, sql, params, many, context):
        if "ecrm_tracking_event" in sql and sql.lstrip().upper().startswith(
            ("INSERT", "UPDATE", "DELETE")
        ):
            sql = sql.replace('"ecrm_tracking_event"', '"ecrm_tracking_no_such_table"')
        return run(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield


@pytest.mark.django_db
def test_a_failing_write_is_logged_and_the_transaction_survives(failing_event_writes, caplog):
    from django.contrib.auth import get_user_model

    with caplog.at_level(logging.ERROR, logger="ecrm.tracking"), transaction.atomic():
        assert capture.record(event_types.EMAIL_OPENED) is None
        # the caller's transaction is still usable (PostgreSQL would refuse otherwise)
        get_user_model().objects.create(username="after-the-failure")
    assert "could not record a email_opened event" in caplog.text
    assert get_user_model().objects.filter(username="after-the-failure").exists()
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_a_failing_batch_is_retried_one_by_one(monkeypatch):
    real = capture._insert
    calls = []

    def flaky(batch, alias):
        calls.append(len(batch))
        if len(batch) > 1:
            raise DatabaseError("one bad row")
        return real(batch, alias)

    monkeypatch.setattr(capture, "_insert", flaky)
    with capture.batch():
        for _ in range(3):
            capture.record(event_types.EMAIL_OPENED)
    assert calls == [3, 1, 1, 1]
    assert Event.objects.count() == 3


@pytest.mark.django_db
def test_strict_mode_lets_write_errors_through(failing_event_writes, strict):
    with pytest.raises(DatabaseError):
        capture.record(event_types.EMAIL_OPENED)
